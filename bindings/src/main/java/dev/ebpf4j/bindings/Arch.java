package dev.ebpf4j.bindings;

import java.util.Locale;

/**
 * The CPU architectures ebpf4j makes system calls on, with the syscall numbers it uses there. The
 * numbers differ per architecture (x86-64 has its own table; arm64 uses the asm-generic one).
 */
public enum Arch {
    /** x86-64: {@code arch/x86/entry/syscalls/syscall_64.tbl}. */
    X86_64(321, 298),
    /** arm64: {@code include/uapi/asm-generic/unistd.h}. */
    AARCH64(280, 241);

    private final int bpf;
    private final int perfEventOpen;

    Arch(int bpf, int perfEventOpen) {
        this.bpf = bpf;
        this.perfEventOpen = perfEventOpen;
    }

    /** The number of {@code bpf(2)}. */
    public int bpf() {
        return bpf;
    }

    /** The number of {@code perf_event_open(2)}. */
    public int perfEventOpen() {
        return perfEventOpen;
    }

    /**
     * The architecture a JVM {@code os.arch} value names ({@code amd64}/{@code x86_64}, {@code aarch64}/{@code arm64}).
     *
     * @throws UnsupportedOperationException for any other architecture
     */
    public static Arch fromOsArch(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x86-64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedOperationException(
                    "ebpf4j knows the syscall numbers of x86-64 and aarch64 only, not of os.arch=" + osArch);
        };
    }

    /** The architecture this JVM runs on ({@code os.arch}). */
    public static Arch current() {
        return fromOsArch(System.getProperty("os.arch", "?"));
    }
}
