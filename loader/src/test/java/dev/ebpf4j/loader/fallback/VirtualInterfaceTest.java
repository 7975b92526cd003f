package dev.ebpf4j.loader.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.XdpMode;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.object.testing.TestObjects;

/** XDP in the fallback VM: attached to an in-process interface, fed by injection or a pcap replay. No root needed. */
class VirtualInterfaceTest {
    private static final LoadOptions FALLBACK = LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK);

    @Test
    void injectedPacketsReachTheAttachedProgramUntilTheLinkCloses() {
        String ifname = "vif-hello-" + System.nanoTime();
        try (BpfObject obj = BpfObject.open(TestObjects.example("hello.bpf.o")).load(FALLBACK)) {
            VirtualInterface vif = VirtualInterface.named(ifname);
            Link link = obj.program("hello").attachXdp(ifname, XdpMode.GENERIC);
            assertTrue(link.describe().contains(ifname));
            for (int i = 0; i < 3; i++) {
                VirtualInterface.Delivery d = vif.inject(Packets.udp(80, 10));
                assertEquals(VirtualInterface.XDP_PASS, d.action());
                assertEquals("XDP_PASS", d.actionName());
            }
            assertEquals(3, obj.globals(".bss").getInt("counter"));
            assertEquals(List.of("Hello World 0", "Hello World 1", "Hello World 2"),
                    obj.traceLog().lines().stream().map(l -> l.message()).toList().subList(0, 3));
            IllegalStateException busy = assertThrows(IllegalStateException.class,
                    () -> obj.program("hello").attachXdp(ifname, XdpMode.GENERIC));
            assertTrue(busy.getMessage().contains("EBUSY"), busy.getMessage());
            link.close();
            assertFalse(link.attached());
            vif.inject(Packets.udp(80, 10));
            assertEquals(3, obj.globals(".bss").getInt("counter"), "nothing runs once detached");
            assertThrows(UnsupportedOperationException.class, () -> link.pin(Path.of("/sys/fs/bpf/x")));
        }
    }

    @Test
    void pcapReplayRunsEveryPacketAndCountsVerdicts(@TempDir Path dir) throws Exception {
        String ifname = "vif-filter-" + System.nanoTime();
        Path pcap = dir.resolve("trace.pcap");
        Files.write(pcap, pcap(List.of(Packets.udp(53, 20), Packets.udp(80, 20), Packets.udp(53, 40),
                Packets.udp(443, 1), Packets.udp(8080, 5))));
        try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(FALLBACK);
             Link link = obj.program("filter_udp_ports").attachXdp(ifname, XdpMode.AUTO)) {
            obj.map("blocked_ports").update(new byte[] {53, 0}, new byte[8]);
            PcapReplay.Stats stats = PcapReplay.replay(pcap, ifname);
            assertEquals(5, stats.packets());
            assertEquals(2, stats.count(VirtualInterface.XDP_DROP));
            assertEquals(3, stats.count(VirtualInterface.XDP_PASS));
            long dropped = ByteBuffer.wrap(obj.map("blocked_ports").lookup(new byte[] {53, 0}).orElseThrow())
                    .order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(2, dropped);
            assertEquals("5 packets: aborted 0, drop 2, pass 3, tx 0, redirect 0", stats.toString());
        }
    }

    @Test
    void malformedCapturesSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Path cut = dir.resolve("cut.pcap");
        byte[] whole = pcap(List.of(Packets.udp(53, 20)));
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PcapReplay.replay(cut, "vif-x"));
        assertTrue(e.getMessage().contains("record 0 at offset 24 claims"), e.getMessage());
        Path ng = dir.resolve("x.pcapng");
        Files.write(ng, new byte[] {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        e = assertThrows(IllegalArgumentException.class, () -> PcapReplay.replay(ng, "vif-x"));
        assertTrue(e.getMessage().contains("pcapng is not supported"), e.getMessage());
    }

    /** A little-endian, microsecond pcap of Ethernet frames. */
    static byte[] pcap(List<byte[]> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        out.writeBytes(h.array());
        int t = 0;
        for (byte[] f : frames) {
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(1_700_000_000 + t++).putInt(0).putInt(f.length).putInt(f.length);
            out.writeBytes(r.array());
            out.writeBytes(f);
        }
        return out.toByteArray();
    }
}
