package dev.ebpf4j.vm.jit;

import java.nio.ByteBuffer;

/** Ethernet frames for JIT tests and benchmarks-like runs. */
final class TestPackets {
    private TestPackets() {}

    /** Ethernet + IPv4 + UDP to {@code port}, {@code payload} bytes of 0, 1, 2, ... */
    static byte[] udp(int port, int payload) {
        ByteBuffer b = ByteBuffer.allocate(42 + payload);
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload)).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).putInt(0xc0a80001).putInt(0xc0a80002);
        b.putShort((short) 40000).putShort((short) port).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    static byte[] tcp(int port) {
        byte[] p = udp(port, 20);
        p[23] = 6;
        return p;
    }

    static byte[] arp() {
        byte[] p = new byte[60];
        p[12] = 0x08;
        p[13] = 0x06;
        return p;
    }
}
