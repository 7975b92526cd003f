package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.MapReplacement;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.testing.TestObjects;

/** Two loads of packet_filter.bpf.o sharing one blocked_ports map through a map replacement. */
class MapReplacementKernelTest {
    private static final int XDP_DROP = 1;
    private static final int XDP_PASS = 2;

    @Test
    void aSecondObjectUsesTheFirstsMapByIdAndByPin() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("replace");
        try (BpfObject first = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(KernelTests.kernel(pins))) {
            KernelMap blocked = (KernelMap) first.map("blocked_ports");
            Path blockedPin = pins.resolve("blocked_pin");
            blocked.pin(blockedPin);
            for (MapReplacement existing : new MapReplacement[] {MapReplacement.id(blocked.id()), MapReplacement.pinned(blockedPin)}) {
                LoadOptions options = KernelTests.kernel(pins).withMapReplacement("blocked_ports", existing);
                try (BpfObject second = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(options)) {
                    KernelMap shared = (KernelMap) second.map("blocked_ports");
                    assertEquals(blocked.id(), shared.id(), existing.toString());
                    assertTrue(shared.reused());
                    assertEquals(XDP_PASS, second.program("filter_udp_ports").testRun(TestRun.Input.of(KernelTests.udpPacket(53))).retval());
                    blocked.update(PacketFilterKernelTest.port(53), new byte[8]); // written through the first object
                    assertEquals(XDP_DROP, second.program("filter_udp_ports").testRun(TestRun.Input.of(KernelTests.udpPacket(53))).retval());
                    blocked.delete(PacketFilterKernelTest.port(53));
                }
            }
            try (Fd still = Bpf.mapGetFdById(blocked.id())) {
                assertTrue(still.raw() > 2, "closing the second object leaves the first's map");
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void aReplacementOfAnotherShapeIsRefusedAndNothingLeaks() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("replace-bad");
        try (Fd other = Bpf.mapCreate(MapType.HASH.value(), 2, 4, 16, 0, "other");
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            int otherId = dev.ebpf4j.bindings.uapi.bpf_map_info.id(Bpf.mapInfo(other, arena));
            int fdsBefore = KernelTests.openFds();
            BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o"));
            BpfLoadException e = assertThrows(BpfLoadException.class, () -> obj.load(KernelTests.kernel(pins)
                    .withMapReplacement("blocked_ports", MapReplacement.id(otherId))));
            assertTrue(e.getMessage().contains("'blocked_ports'") && e.getMessage().contains("replacement (id " + otherId + ")"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("value_size 4 existing, 8 in the object"), e.getMessage());
            assertEquals(fdsBefore, KernelTests.openFds(), "a failed load closes what it opened");
            assertFalse(obj.isLoaded());

            BpfLoadException missing = assertThrows(BpfLoadException.class, () -> BpfObject.open(TestObjects.example("packet_filter.bpf.o"))
                    .load(KernelTests.kernel(pins).withMapReplacement("blocked_ports", MapReplacement.pinned(pins.resolve("nothing")))));
            assertTrue(missing.getMessage().contains("cannot open the replacement (pinned " + pins.resolve("nothing") + ")")
                    && missing.getMessage().contains("ENOENT"), missing.getMessage());
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void theFallbackVmRefusesReplacements() {
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> BpfObject.open(TestObjects.example("packet_filter.bpf.o"))
                .load(LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK).withMapReplacement("blocked_ports", MapReplacement.id(1))));
        assertTrue(e.getMessage().contains("cannot use existing kernel maps"), e.getMessage());
    }
}
