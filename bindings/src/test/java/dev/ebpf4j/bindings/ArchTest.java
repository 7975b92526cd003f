package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.testing.TestObjects;

class ArchTest {
    @Test
    void x86_64Numbers() {
        assertEquals(321, Arch.X86_64.bpf());
        assertEquals(298, Arch.X86_64.perfEventOpen());
    }

    @Test
    void aarch64Numbers() {
        assertEquals(280, Arch.AARCH64.bpf());
        assertEquals(241, Arch.AARCH64.perfEventOpen());
    }

    @Test
    void osArchNames() {
        assertEquals(Arch.X86_64, Arch.fromOsArch("amd64"));
        assertEquals(Arch.X86_64, Arch.fromOsArch("x86_64"));
        assertEquals(Arch.AARCH64, Arch.fromOsArch("aarch64"));
        assertEquals(Arch.AARCH64, Arch.fromOsArch("ARM64"));
        var e = assertThrows(UnsupportedOperationException.class, () -> Arch.fromOsArch("riscv64"));
        assertEquals("ebpf4j knows the syscall numbers of x86-64 and aarch64 only, not of os.arch=riscv64", e.getMessage());
    }

    @Test
    void currentIsThisJvmsArch() {
        assertEquals(Arch.fromOsArch(System.getProperty("os.arch")), Syscall.arch());
    }

    /** The tables against the kernel's UAPI headers on this machine (x86-64's own, arm64's asm-generic). */
    @Test
    void tablesAgreeWithTheUapiHeaders() throws IOException {
        Path x86 = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        Path generic = Path.of("/usr/include/asm-generic/unistd.h");
        TestObjects.skipUnless(Files.isReadable(x86) && Files.isReadable(generic),
                "needs the kernel UAPI headers (apt-get install linux-libc-dev)");
        String x86Text = Files.readString(x86);
        String genericText = Files.readString(generic);
        assertEquals(nr(x86Text, "bpf"), Arch.X86_64.bpf());
        assertEquals(nr(x86Text, "perf_event_open"), Arch.X86_64.perfEventOpen());
        assertEquals(nr(genericText, "bpf"), Arch.AARCH64.bpf());
        assertEquals(nr(genericText, "perf_event_open"), Arch.AARCH64.perfEventOpen());
    }

    static int nr(String header, String name) {
        Matcher m = Pattern.compile("#define\\s+__NR_" + name + "\\s+(\\d+)").matcher(header);
        if (!m.find()) {
            throw new AssertionError("no __NR_" + name + " in the header");
        }
        return Integer.parseInt(m.group(1));
    }
}
