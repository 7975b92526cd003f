package dev.ebpf4j.vm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Allocation of 8-byte aligned segments (so atomics work on them) and the little-endian layouts the VM uses. */
public final class Segments {
    private Segments() {}

    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** A zeroed heap segment of {@code size} bytes whose offset 0 is 8-byte aligned. */
    public static MemorySegment allocate(long size) {
        if (size < 0 || size > Integer.MAX_VALUE - 16L) {
            throw new IllegalArgumentException("segment size out of range: " + size);
        }
        long[] words = new long[(int) ((size + 7) >>> 3)];
        return MemorySegment.ofArray(words).asSlice(0, size);
    }

    /**
     * A zeroed segment of {@code size} bytes over a {@code byte[]} (so {@link Region#bytes()} exposes it): for
     * memory no atomic instruction may touch (packets), where the 8-byte alignment of {@link #allocate} buys nothing.
     */
    public static MemorySegment allocateBytes(long size) {
        if (size < 0 || size > Integer.MAX_VALUE - 16L) {
            throw new IllegalArgumentException("segment size out of range: " + size);
        }
        return MemorySegment.ofArray(new byte[(int) size]);
    }

    /** An aligned copy of {@code bytes} with room for {@code size} bytes (at least bytes.length). */
    public static MemorySegment copyOf(byte[] bytes, long size) {
        MemorySegment s = allocate(Math.max(size, bytes.length));
        MemorySegment.copy(bytes, 0, s, U8, 0, bytes.length);
        return s;
    }

    public static MemorySegment copyOf(byte[] bytes) {
        return copyOf(bytes, bytes.length);
    }

    /** Reads {@code size} (1, 2, 4, 8) little-endian bytes at {@code offset}, zero-extended. */
    public static long get(MemorySegment s, long offset, int size) {
        return switch (size) {
            case 1 -> s.get(U8, offset) & 0xffL;
            case 2 -> s.get(U16, offset) & 0xffffL;
            case 4 -> s.get(U32, offset) & 0xffff_ffffL;
            case 8 -> s.get(U64, offset);
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    /** Writes the low {@code size} (1, 2, 4, 8) bytes of {@code value} little-endian at {@code offset}. */
    public static void set(MemorySegment s, long offset, int size, long value) {
        switch (size) {
            case 1 -> s.set(U8, offset, (byte) value);
            case 2 -> s.set(U16, offset, (short) value);
            case 4 -> s.set(U32, offset, (int) value);
            case 8 -> s.set(U64, offset, value);
            default -> throw new IllegalArgumentException("access size " + size);
        }
    }
}
