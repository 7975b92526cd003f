package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.testing.TestObjects;

/** packet_filter.bpf.o: a hash map filled from Java decides, a per-CPU map pinned by name counts verdicts. */
class PacketFilterKernelTest {
    private static final int XDP_DROP = 1;
    private static final int XDP_PASS = 2;

    @Test
    void blockedPortIsDroppedAndCountedAndThePinnedMapIsReused() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("filter");
        Path verdictsPin = pins.resolve("verdicts");
        int firstVerdictsId;
        try {
            try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(KernelTests.kernel(pins))) {
                assertTrue(Files.exists(verdictsPin), "verdicts is pinned by name under the pin root");
                KernelMap verdicts = (KernelMap) obj.map("verdicts");
                assertFalse(verdicts.reused());
                firstVerdictsId = verdicts.id();
                BpfMap blocked = obj.map("blocked_ports");
                blocked.update(port(53), new byte[8]);

                TestRun.Result dns = obj.program("filter_udp_ports").testRun(TestRun.Input.of(KernelTests.udpPacket(53)));
                assertEquals(XDP_DROP, dns.retval());
                assertEquals(1L, u64(blocked.lookup(port(53)).orElseThrow(), 0));

                TestRun.Result http = obj.program("filter_udp_ports").testRun(TestRun.Input.of(KernelTests.udpPacket(80)));
                assertEquals(XDP_PASS, http.retval());
                assertTrue(blocked.lookup(port(80)).isEmpty());
                assertEquals(1L, u64(blocked.lookup(port(53)).orElseThrow(), 0), "a passed packet is not counted as dropped");

                assertEquals(1L, perCpuSum(verdicts, 0), "one drop");
                assertEquals(1L, perCpuSum(verdicts, 1), "one pass");
            }
            assertTrue(Files.exists(verdictsPin), "the pin outlives the object");
            try (BpfObject again = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(KernelTests.kernel(pins))) {
                KernelMap verdicts = (KernelMap) again.map("verdicts");
                assertTrue(verdicts.reused(), "the second load reuses the pinned map");
                assertEquals(firstVerdictsId, verdicts.id());
                assertEquals(1L, perCpuSum(verdicts, 0), "the counts of the first load are still there");
                again.program("filter_udp_ports").testRun(TestRun.Input.of(KernelTests.udpPacket(80)));
                assertEquals(2L, perCpuSum(verdicts, 1));
                // the fresh blocked_ports is empty: nothing is dropped
                assertEquals(XDP_PASS, again.program("filter_udp_ports").testRun(TestRun.Input.of(KernelTests.udpPacket(53))).retval());
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
        assertFalse(Files.exists(verdictsPin));
    }

    @Test
    void aPinnedMapThatDoesNotMatchIsRefusedByName() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("mismatch");
        int fdsBefore;
        try {
            try (Fd other = Bpf.mapCreate(MapType.PERCPU_ARRAY.value(), 4, 8, 7, 0, "verdicts")) {
                Bpf.objPin(other, pins.resolve("verdicts").toString());
            }
            fdsBefore = KernelTests.openFds();
            BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o"));
            BpfLoadException e = assertThrows(BpfLoadException.class, () -> obj.load(KernelTests.kernel(pins)));
            assertTrue(e.getMessage().contains("'verdicts'"), e.getMessage());
            assertTrue(e.getMessage().contains("max_entries 7 existing, 2 in the object"), e.getMessage());
            assertEquals(fdsBefore, KernelTests.openFds(), "a failed load closes what it created");
            assertFalse(obj.isLoaded());
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    static byte[] port(int port) {
        return ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) port).array();
    }

    static long u64(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong(at);
    }

    static long perCpuSum(KernelMap map, int key) {
        byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(key).array();
        byte[] v = map.lookup(k).orElseThrow();
        assertEquals(8 * KernelProbes.possibleCpus(), v.length);
        long sum = 0;
        for (int cpu = 0; cpu < map.valuesPerEntry(); cpu++) {
            sum += u64(v, cpu * 8);
        }
        return sum;
    }
}
