package dev.ebpf4j.object.insn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import dev.ebpf4j.object.BpfFormatException;

/**
 * Decoding and encoding of eBPF instruction streams (little-endian, 8-byte slots, lddw taking two),
 * and the mapping between list positions and slot indices.
 *
 * <p>Positions in messages, listings and jump targets are slot indices: the byte offset of an
 * instruction divided by 8. An lddw occupies its slot and the next one.
 */
public final class Instructions {
    private Instructions() {}

    /** Size of one instruction slot in bytes. */
    public static final int SLOT_SIZE = 8;

    /** Decodes a whole instruction stream. */
    public static List<Instruction> decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return decode(ByteBuffer.wrap(bytes), null);
    }

    /**
     * Decodes the bytes from the buffer's position to its limit (the buffer's position and byte order
     * are left alone; the stream is always read little-endian).
     */
    public static List<Instruction> decode(ByteBuffer buffer) {
        return decode(buffer, null);
    }

    /**
     * Like {@link #decode(ByteBuffer)}, naming {@code where} (e.g. {@code "section xdp"}) in error
     * messages.
     *
     * @throws BpfFormatException if the length is not a multiple of 8, an lddw lacks its second slot,
     *     or an lddw's second slot has a non-zero opcode, register or offset field
     */
    public static List<Instruction> decode(ByteBuffer buffer, String where) {
        Objects.requireNonNull(buffer, "buffer");
        ByteBuffer b = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        int length = b.remaining();
        String in = where == null || where.isEmpty() ? "" : " in " + where;
        if (length % SLOT_SIZE != 0) {
            throw new BpfFormatException(String.format(
                    "instruction stream%s is %d bytes, not a multiple of 8: %d trailing bytes at byte offset %d (slot %d)",
                    in, length, length % SLOT_SIZE, length - length % SLOT_SIZE, length / SLOT_SIZE));
        }
        int slots = length / SLOT_SIZE;
        List<Instruction> out = new ArrayList<>(slots);
        int slot = 0;
        while (slot < slots) {
            int pos = slot * SLOT_SIZE;
            int code = b.get(pos) & 0xff;
            int regs = b.get(pos + 1) & 0xff;
            short off = b.getShort(pos + 2);
            int imm = b.getInt(pos + 4);
            if (code == Opcode.LD_IMM64) {
                if (slot + 1 >= slots) {
                    throw new BpfFormatException(String.format(
                            "lddw at instruction %d (byte offset %d)%s is truncated: its second 8-byte slot is missing (stream ends at byte %d)",
                            slot, pos, in, length));
                }
                int next = pos + SLOT_SIZE;
                int code2 = b.get(next) & 0xff;
                int regs2 = b.get(next + 1) & 0xff;
                short off2 = b.getShort(next + 2);
                if (code2 != 0 || regs2 != 0 || off2 != 0) {
                    throw new BpfFormatException(String.format(
                            "lddw at instruction %d (byte offset %d)%s: second slot (byte offset %d) must have zero opcode, registers and offset, found code=0x%02x regs=0x%02x off=%d",
                            slot, pos, in, next, code2, regs2, off2));
                }
                out.add(new Instruction(code, regs & 0x0f, regs >>> 4, off, imm, b.getInt(next + 4)));
                slot += 2;
            } else {
                out.add(new Instruction(code, regs & 0x0f, regs >>> 4, off, imm, 0));
                slot += 1;
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Encodes instructions into a new little-endian byte array. */
    public static byte[] encode(List<Instruction> instructions) {
        byte[] out = new byte[slotCount(instructions) * SLOT_SIZE];
        encode(instructions, ByteBuffer.wrap(out));
        return out;
    }

    /** Encodes instructions at the buffer's position (advancing it), little-endian regardless of the buffer's order. */
    public static void encode(List<Instruction> instructions, ByteBuffer out) {
        ByteOrder saved = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (Instruction insn : instructions) {
                out.put((byte) insn.opcode());
                out.put((byte) (insn.src() << 4 | insn.dst()));
                out.putShort(insn.off());
                out.putInt(insn.imm());
                if (insn.isLoadImm64()) {
                    out.putInt(0);
                    out.putInt(insn.nextImm());
                }
            }
        } finally {
            out.order(saved);
        }
    }

    /** Total number of 8-byte slots. */
    public static int slotCount(List<Instruction> instructions) {
        int n = 0;
        for (Instruction insn : instructions) {
            n += insn.slots();
        }
        return n;
    }

    /** The slot index of each instruction: {@code result[i]} is where {@code instructions.get(i)} starts. */
    public static int[] slots(List<Instruction> instructions) {
        int[] result = new int[instructions.size()];
        int slot = 0;
        for (int i = 0; i < result.length; i++) {
            result[i] = slot;
            slot += instructions.get(i).slots();
        }
        return result;
    }

    /**
     * The list position of the instruction starting at {@code slot}, or -1 when no instruction starts
     * there (out of range, or the second half of an lddw).
     */
    public static int indexOfSlot(List<Instruction> instructions, int slot) {
        int s = 0;
        for (int i = 0; i < instructions.size() && s <= slot; i++) {
            if (s == slot) {
                return i;
            }
            s += instructions.get(i).slots();
        }
        return -1;
    }

    /** Byte offset of a slot index. */
    public static long byteOffset(int slot) {
        return (long) slot * SLOT_SIZE;
    }
}
