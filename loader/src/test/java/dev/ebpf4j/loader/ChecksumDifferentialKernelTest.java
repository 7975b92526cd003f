package dev.ebpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.fallback.FallbackBackend;
import dev.ebpf4j.loader.spi.Backend;
import dev.ebpf4j.loader.kernel.KernelBackend;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmOptions;

/**
 * The checksum loop over the packet ({@code fallback-vm/src/test/c/paths_ok.bpf.o}), which the fallback VM's verifier
 * used to refuse: the kernel's test run, the VM's interpreter and its JIT give the same return value, data out and
 * checksum for packets of every parity and length, up to past the 1500 bytes the loop covers.
 */
class ChecksumDifferentialKernelTest {
    private static final Path OBJECT = TestObjects.repoDir().resolve("fallback-vm/src/test/c/paths_ok.bpf.o");

    record Outcome(long retval, byte[] dataOut, long checksum) {
    }

    private static List<byte[]> packets() {
        Random r = new Random(42);
        List<byte[]> out = new ArrayList<>();
        for (int len : new int[] {14, 15, 60, 61, 64, 1499, 1500, 1501, 1600}) {
            byte[] p = new byte[len];
            r.nextBytes(p);
            out.add(p);
        }
        byte[] ones = new byte[1514];
        java.util.Arrays.fill(ones, (byte) 0xff);
        out.add(ones);
        return out;
    }

    private static List<Outcome> run(Backend backend, RuntimeKind kind) {
        ObjectSpec spec = ObjectSpec.open(OBJECT);
        List<Outcome> out = new ArrayList<>();
        try (BpfObject obj = new BpfObject(spec, List.of(backend)).load(LoadOptions.defaults().withRuntime(kind))) {
            assertEquals(kind, obj.runtime().kind());
            for (byte[] packet : packets()) {
                TestRun.Result r = obj.program("checksum").testRun(TestRun.Input.of(packet));
                out.add(new Outcome(r.retval(), r.dataOut(), obj.globals(".bss").getLong("checksum_result")));
            }
        }
        return out;
    }

    /** The same checksum computed in Java: the folded one's complement sum of the first 750 little-endian words. */
    private static long expected(byte[] p) {
        long sum = 0;
        for (int i = 0; i + 1 < p.length && i < 1500; i += 2) {
            sum += (p[i] & 0xff) | (p[i + 1] & 0xff) << 8;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    @Test
    void kernelInterpreterAndJitAgree() {
        KernelBackend kernel = new KernelBackend();
        TestObjects.skipUnless(kernel.unavailableReason(ObjectSpec.open(OBJECT)).isEmpty(),
                "the kernel runtime cannot load paths_ok.bpf.o: " + kernel.unavailableReason(ObjectSpec.open(OBJECT))
                        .orElse(""));
        TestObjects.skipUnless(Files.isWritable(Path.of("/sys/fs/bpf")), "needs a writable bpffs at /sys/fs/bpf");
        List<Outcome> k = run(kernel, RuntimeKind.KERNEL);
        List<Outcome> interp = run(new FallbackBackend(VmOptions.defaults().withEngine(Engine.INTERPRETER)),
                RuntimeKind.FALLBACK);
        List<Outcome> jit = run(new FallbackBackend(VmOptions.defaults().withEngine(Engine.JIT)), RuntimeKind.FALLBACK);
        List<byte[]> packets = packets();
        for (int i = 0; i < packets.size(); i++) {
            String what = "packet " + i + " (" + packets.get(i).length + " bytes)";
            assertEquals(expected(packets.get(i)), k.get(i).checksum(), what + ": kernel vs Java");
            for (List<Outcome> vm : List.of(interp, jit)) {
                assertEquals(k.get(i).retval(), vm.get(i).retval(), what);
                assertArrayEquals(k.get(i).dataOut(), vm.get(i).dataOut(), what);
                assertEquals(k.get(i).checksum(), vm.get(i).checksum(), what);
            }
        }
    }

    @Test
    void theFallbackRuntimeLoadsTheWholeObject() {
        try (BpfObject obj = new BpfObject(ObjectSpec.open(OBJECT), List.of(new FallbackBackend()))
                .load(LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK))) {
            assertEquals(2, obj.program("vlan_parser").testRun(TestRun.Input.of(new byte[64])).retval(),
                    "not IPv4: XDP_PASS");
            byte[] vlanUdp = new byte[64];
            vlanUdp[12] = (byte) 0x81; // 802.1Q
            vlanUdp[16] = 0x08; // IPv4
            vlanUdp[18 + 9] = 17; // UDP
            assertEquals(3, obj.program("vlan_parser").testRun(TestRun.Input.of(vlanUdp)).retval(), "XDP_TX");
            assertEquals(17, obj.globals(".bss").getLong("ip_protocol"));
        }
    }
}
