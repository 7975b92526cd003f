package dev.ebpf4j.loader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

import dev.ebpf4j.object.GlobalVariable;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfValues;

/**
 * The global variables of one data section ({@code .bss}, {@code .data}, {@code .rodata}, ...), read and written by
 * name. Backed by the map's memory itself where it can be (the kernel map mmap'ed into this process, or the
 * fallback VM's map), so a read is a memory load and no system call: this is how a program's {@code .bss} counter is
 * watched from Java while packets flow. Reads and writes of 1, 2, 4 and 8-byte variables are single-copy atomic
 * (volatile) accesses, so values written by running programs are seen.
 */
public final class Globals {
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16_PACKED = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt U32_PACKED = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong U64_PACKED = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final MapSpec spec;
    private final MemorySegment memory;
    private final Btf btf;
    private final Map<String, GlobalVariable> byName = new LinkedHashMap<>();
    private final Consumer<MemorySegment> writeBack;

    /**
     * @param spec      the data section's map
     * @param memory    its value: the live mapping, or a copy that {@code writeBack} stores after every write
     * @param btf       the BTF the variables' type ids refer to (for {@link #format}), or null
     * @param writeBack stores {@code memory} into the map after a write when {@code memory} is a copy; null when
     *                  {@code memory} is the map itself
     */
    public Globals(MapSpec spec, MemorySegment memory, Btf btf, Consumer<MemorySegment> writeBack) {
        if (memory.byteSize() < spec.valueSize()) {
            throw new IllegalArgumentException(spec.name() + ": memory of " + memory.byteSize() + " bytes is smaller than"
                    + " the section's " + spec.valueSize());
        }
        this.spec = spec;
        this.memory = memory;
        this.btf = btf;
        this.writeBack = writeBack;
        for (GlobalVariable v : spec.variables()) {
            byName.putIfAbsent(v.name(), v);
        }
    }

    /** The section's name, e.g. {@code .bss}. */
    public String section() {
        return spec.name();
    }

    public List<GlobalVariable> variables() {
        return spec.variables();
    }

    /** True when the map is mapped into this process, so reads make no system call. */
    public boolean live() {
        return writeBack == null;
    }

    public GlobalVariable variable(String name) {
        GlobalVariable v = byName.get(name);
        if (v == null) {
            throw new NoSuchElementException(spec.name() + " has no variable '" + name + "' (it has: "
                    + String.join(", ", byName.keySet()) + ")");
        }
        return v;
    }

    public byte getByte(String name) {
        return memory.get(U8, sized(name, 1).offset());
    }

    public short getShort(String name) {
        long at = sized(name, 2).offset();
        return aligned(at, 2) ? (short) U16.varHandle().getVolatile(memory, at) : memory.get(U16_PACKED, at);
    }

    public int getInt(String name) {
        long at = sized(name, 4).offset();
        return aligned(at, 4) ? (int) U32.varHandle().getVolatile(memory, at) : memory.get(U32_PACKED, at);
    }

    public long getLong(String name) {
        long at = sized(name, 8).offset();
        return aligned(at, 8) ? (long) U64.varHandle().getVolatile(memory, at) : memory.get(U64_PACKED, at);
    }

    /** A copy of the variable's bytes. */
    public byte[] getBytes(String name) {
        GlobalVariable v = variable(name);
        return memory.asSlice(v.offset(), v.size()).toArray(ValueLayout.JAVA_BYTE);
    }

    public void setByte(String name, byte value) {
        checkWritable();
        memory.set(U8, sized(name, 1).offset(), value);
        written();
    }

    public void setShort(String name, short value) {
        checkWritable();
        long at = sized(name, 2).offset();
        if (aligned(at, 2)) {
            U16.varHandle().setVolatile(memory, at, value);
        } else {
            memory.set(U16_PACKED, at, value);
        }
        written();
    }

    public void setInt(String name, int value) {
        checkWritable();
        long at = sized(name, 4).offset();
        if (aligned(at, 4)) {
            U32.varHandle().setVolatile(memory, at, value);
        } else {
            memory.set(U32_PACKED, at, value);
        }
        written();
    }

    public void setLong(String name, long value) {
        checkWritable();
        long at = sized(name, 8).offset();
        if (aligned(at, 8)) {
            U64.varHandle().setVolatile(memory, at, value);
        } else {
            memory.set(U64_PACKED, at, value);
        }
        written();
    }

    /** Volatile access needs natural alignment; a packed variable is read and written plainly. */
    private boolean aligned(long offset, int size) {
        return memory.isNative() ? (memory.address() + offset) % size == 0 : offset % size == 0 && memory.maxByteAlignment() >= size;
    }

    public void setBytes(String name, byte[] value) {
        checkWritable();
        GlobalVariable v = variable(name);
        if (value.length != v.size()) {
            throw new IllegalArgumentException(spec.name() + " variable '" + name + "' is " + v.size() + " bytes, not "
                    + value.length);
        }
        MemorySegment.copy(MemorySegment.ofArray(value), 0, memory, v.offset(), v.size());
        written();
    }

    /** The variable's value formatted from BTF as bpftool prints it (numbers, strings, maps of members). */
    public Object format(String name) {
        GlobalVariable v = variable(name);
        if (btf == null || v.btfTypeId() == 0) {
            throw new IllegalStateException(spec.name() + " variable '" + name + "' has no BTF type");
        }
        return BtfValues.format(btf, v.btfTypeId(), getBytes(name));
    }

    /** The memory backing this section (live, or the copy when not {@link #live()}). */
    public MemorySegment memory() {
        return memory.asSlice(0, spec.valueSize());
    }

    private GlobalVariable sized(String name, int size) {
        GlobalVariable v = variable(name);
        if (v.size() != size) {
            throw new IllegalArgumentException(spec.name() + " variable '" + name + "' is " + v.size()
                    + " bytes, not " + size + " (use getBytes/setBytes or the accessor of its size)");
        }
        return v;
    }

    /**
     * A read-only section ({@code .rodata}: frozen at load) refuses writes with a clear reason (the same exception
     * type a write to a read-only segment throws).
     */
    private void checkWritable() {
        if (memory.isReadOnly()) {
            throw new IllegalArgumentException(spec.name() + " is read-only: the runtime froze it when the object"
                    + " was loaded");
        }
    }

    private void written() {
        if (writeBack != null) {
            writeBack.accept(memory);
        }
    }
}
