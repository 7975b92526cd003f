package dev.ebpf4j.loader.fallback;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Test packets and little-endian values. */
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

    /** The same packet as TCP (IP protocol 6). */
    public static byte[] tcp(int dstPort) {
        byte[] p = udp(dstPort, 12);
        p[14 + 9] = 6;
        return p;
    }

    public static byte[] u16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
    }

    public static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    public static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** {@code struct bpf_raw_tracepoint_args} holding {@code args}. */
    public static byte[] args(long... args) {
        ByteBuffer b = ByteBuffer.allocate(8 * args.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long a : args) {
            b.putLong(a);
        }
        return b.array();
    }

    /** The little-endian integer of {@code bytes[at, at + size)}. */
    public static long le(byte[] bytes, int at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[at + i] & 0xff);
        }
        return v;
    }

    /** The sum of the 8-byte per-CPU values of a per-CPU map lookup. */
    public static long sumPerCpu(byte[] values) {
        long sum = 0;
        for (int at = 0; at < values.length; at += 8) {
            sum += le(values, at, 8);
        }
        return sum;
    }
}
