package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** Without capabilities the kernel backend says why it cannot be used (probed in a child JVM that has none). */
class UnprivilegedKernelTest {

    /** Run in the child: prints the kernel backend's reason and what AUTO makes of it. */
    public static void main(String[] args) {
        ObjectSpec hello = ObjectSpec.open(Path.of(args[0]));
        System.out.println("reason=" + new KernelBackend().unavailableReason(hello).orElse("<none>"));
        try {
            System.out.println("auto=" + BpfObject.of(hello).choose(RuntimeKind.AUTO));
        } catch (BpfLoadException e) {
            System.out.println("auto-error=" + e.getMessage());
        }
    }

    @Test
    void withoutCapabilitiesTheReasonIsEperm() throws Exception {
        KernelTests.requireKernel();
        Path setpriv = TestObjects.requireTool("setpriv");
        TestObjects.skipUnless(!"0".equals(Files.readString(Path.of("/proc/sys/kernel/unprivileged_bpf_disabled")).strip()),
                "unprivileged bpf() is allowed here, so dropping capabilities does not make it fail");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String out = TestObjects.run(List.of(setpriv.toString(), "--bounding-set=-all", "--inh-caps=-all", "--", java,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                UnprivilegedKernelTest.class.getName(), TestObjects.example("hello.bpf.o").toString()).toArray(String[]::new));
        String reason = out.lines().filter(l -> l.startsWith("reason=")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertEquals("reason=bpf() returned EPERM (needs CAP_BPF: run as root or grant capabilities)", reason);
        String auto = out.lines().filter(l -> l.startsWith("auto")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(auto.startsWith("auto=fallback (bpf() returned EPERM") || (auto.startsWith("auto-error=")
                && auto.contains("bpf() returned EPERM (needs CAP_BPF")), auto);
    }
}
