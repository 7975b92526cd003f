package dev.ebpf4j.vm;

import java.nio.ByteBuffer;

/** Test packets. */
public final class Packets {
    private Packets() {}

    /** An Ethernet + IPv4 + UDP packet to {@code dstPort} with {@code payload} bytes. */
    public static byte[] udp(int dstPort, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        b.put(new byte[] {2, 0, 0, 0, 0, 1}).put(new byte[] {2, 0, 0, 0, 0, 2}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short) 12345).putShort((short) dstPort).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** An Ethernet + IPv4 + TCP-ish packet (protocol 6). */
    public static byte[] tcp(int dstPort) {
        byte[] p = udp(dstPort, 12);
        p[14 + 9] = 6;
        return p;
    }

    /** An ARP-ish frame (ethertype 0x0806). */
    public static byte[] arp() {
        byte[] p = new byte[60];
        p[12] = 0x08;
        p[13] = 0x06;
        return p;
    }
}
