package dev.ebpf4j.vm.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian conversions for map keys and values. */
public final class Bytes {
    private Bytes() {}

    public static byte[] u16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
    }

    public static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    public static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** The little-endian integer in the first min(8, length) bytes, zero-extended. */
    public static long toLong(byte[] bytes) {
        return toLong(bytes, 0, Math.min(8, bytes.length));
    }

    public static long toLong(byte[] bytes, int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[offset + i] & 0xff);
        }
        return v;
    }
}
