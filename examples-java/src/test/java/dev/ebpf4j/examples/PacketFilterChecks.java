package dev.ebpf4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What PacketFilter does, wherever it runs. */
final class PacketFilterChecks {
    private PacketFilterChecks() {}

    static void blocksOnePort(PacketFilter filter) {
        assertEquals(PacketFilter.XDP_PASS, filter.verdict(PacketFilter.udpPacket(9999)), "not blocked yet");
        filter.block(9999);
        assertEquals(PacketFilter.XDP_DROP, filter.verdict(PacketFilter.udpPacket(9999)));
        assertEquals(PacketFilter.XDP_DROP, filter.verdict(PacketFilter.udpPacket(9999)));
        assertEquals(PacketFilter.XDP_PASS, filter.verdict(PacketFilter.udpPacket(53)));
        assertEquals(2, filter.dropped(9999));
        assertEquals(0, filter.dropped(53));
    }
}
