package dev.ebpf4j.loader.fallback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Replays a classic pcap capture (Ethernet link type, microsecond or nanosecond timestamps, either byte order) into
 * an in-process interface, packet by packet, as fast as the program runs.
 */
public final class PcapReplay {
    private static final int LINKTYPE_ETHERNET = 1;

    private PcapReplay() {}

    /** How many packets were replayed and what the program decided for them. */
    public record Stats(long packets, long[] actions) {
        /** Packets that got verdict {@code action} ({@link VirtualInterface#XDP_PASS}, ...). */
        public long count(int action) {
            return action >= 0 && action < actions.length ? actions[action] : 0;
        }

        @Override
        public String toString() {
            return packets + " packets: aborted " + count(0) + ", drop " + count(1) + ", pass " + count(2) + ", tx "
                    + count(3) + ", redirect " + count(4);
        }
    }

    /** Replays {@code capture} into interface {@code ifname}. */
    public static Stats replay(Path capture, String ifname) throws IOException {
        return replay(Files.readAllBytes(capture), VirtualInterface.named(ifname), capture.toString());
    }

    static Stats replay(byte[] bytes, VirtualInterface into, String what) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 24) {
            throw new IllegalArgumentException(what + ": not a pcap file (" + bytes.length + " bytes, the header needs 24)");
        }
        int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        switch (magic) {
            case 0xa1b2c3d4, 0xa1b23c4d -> b.order(ByteOrder.LITTLE_ENDIAN);
            case 0xd4c3b2a1, 0x4d3cb2a1 -> b.order(ByteOrder.BIG_ENDIAN);
            default -> throw new IllegalArgumentException(what + ": not a pcap file (magic 0x" + Integer.toHexString(magic)
                    + "; pcapng is not supported: convert with editcap -F pcap)");
        }
        int linkType = b.getInt(20);
        if ((linkType & 0x0fffffff) != LINKTYPE_ETHERNET) {
            throw new IllegalArgumentException(what + ": link type " + linkType + ", but XDP sees Ethernet frames (1)");
        }
        long packets = 0;
        long[] actions = new long[5];
        int at = 24;
        while (at < bytes.length) {
            if (at + 16 > bytes.length) {
                throw new IllegalArgumentException(what + ": record " + packets + " at offset " + at + " is cut short");
            }
            int captured = b.getInt(at + 8);
            if (captured < 0 || at + 16L + captured > bytes.length) {
                throw new IllegalArgumentException(what + ": record " + packets + " at offset " + at + " claims "
                        + Integer.toUnsignedString(captured) + " bytes; " + (bytes.length - at - 16) + " remain");
            }
            byte[] frame = Arrays.copyOfRange(bytes, at + 16, at + 16 + captured);
            VirtualInterface.Delivery d = into.inject(frame);
            if (d.action() >= 0 && d.action() < actions.length) {
                actions[d.action()]++;
            }
            packets++;
            at += 16 + captured;
        }
        return new Stats(packets, actions);
    }
}
