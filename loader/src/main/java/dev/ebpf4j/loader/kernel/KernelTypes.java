package dev.ebpf4j.loader.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.ebpf4j.object.btf.Btf;

/** The running kernel's own BTF ({@code /sys/kernel/btf/vmlinux}), parsed once per process: the target of CO-RE. */
public final class KernelTypes {
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static volatile Btf vmlinux;

    private KernelTypes() {}

    /** True when the kernel publishes its BTF. */
    public static boolean available() {
        return Files.isReadable(VMLINUX);
    }

    /** The kernel's BTF, or an exception that says why CO-RE cannot work here. */
    public static Btf vmlinux() {
        Btf b = vmlinux;
        if (b == null) {
            synchronized (KernelTypes.class) {
                b = vmlinux;
                if (b == null) {
                    if (!available()) {
                        throw new IllegalStateException("CO-RE needs the kernel's BTF at " + VMLINUX
                                + ", which this kernel does not publish (built without CONFIG_DEBUG_INFO_BTF)");
                    }
                    try {
                        b = Btf.parse(Files.readAllBytes(VMLINUX));
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot read " + VMLINUX + ": " + e.getMessage(), e);
                    }
                    vmlinux = b;
                }
            }
        }
        return b;
    }
}
