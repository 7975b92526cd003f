package dev.ebpf4j.vm.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.NoSuchElementException;

import dev.ebpf4j.object.GlobalVariable;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.memory.Segments;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * A global data section ({@code .bss}, {@code .data}, {@code .rodata}, ...) as the single-element array
 * the kernel makes of it, filled with the section's initial value. Programs cannot write the read-only
 * ones ({@code .rodata*}); Java can, as user space sets {@code const volatile} values before loading.
 * Variables are read and written by name.
 */
public final class GlobalDataMap extends ArrayMap {

    public GlobalDataMap(MapSpec spec, SharedRegions shared) {
        super(spec, shared, 1, !spec.readOnly());
        byte[] init = spec.initialValue();
        if (init != null) {
            MemorySegment.copy(init, 0, values, ValueLayout.JAVA_BYTE, 0, Math.min(init.length, valueSize()));
        }
    }

    /** The variable called {@code name} in this section. */
    public GlobalVariable variable(String name) {
        return spec.variables().stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no variable '" + name + "' in " + name()));
    }

    public boolean hasVariable(String name) {
        return spec.variables().stream().anyMatch(v -> v.name().equals(name));
    }

    /** The whole section's current contents. */
    public byte[] contents() {
        return values.asSlice(0, valueSize()).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The bytes of {@code length} at {@code offset} of the section. */
    public byte[] read(int offset, int length) {
        return values.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Writes {@code bytes} at {@code offset} (Java may write read-only sections). */
    public void write(int offset, byte[] bytes) {
        MemorySegment.copy(bytes, 0, values.asSlice(offset, bytes.length), ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /** The variable's bytes. */
    public byte[] read(String variable) {
        GlobalVariable v = variable(variable);
        return read(v.offset(), v.size());
    }

    /** The variable as an unsigned little-endian integer of its size (1, 2, 4 or 8 bytes). */
    public long readLong(String variable) {
        GlobalVariable v = variable(variable);
        return Segments.get(values, v.offset(), intSize(v));
    }

    /** The variable as a signed little-endian integer of its size. */
    public long readSigned(String variable) {
        GlobalVariable v = variable(variable);
        int size = intSize(v);
        long x = Segments.get(values, v.offset(), size);
        return size == 8 ? x : (x << (64 - 8 * size)) >> (64 - 8 * size);
    }

    /** Sets an integer variable of 1, 2, 4 or 8 bytes. */
    public void writeLong(String variable, long value) {
        GlobalVariable v = variable(variable);
        Segments.set(values, v.offset(), intSize(v), value);
    }

    /** Sets a variable's bytes (at most its size). */
    public void write(String variable, byte[] bytes) {
        GlobalVariable v = variable(variable);
        if (bytes.length > v.size()) {
            throw new IllegalArgumentException(variable + " has " + v.size() + " bytes, not " + bytes.length);
        }
        write(v.offset(), bytes);
    }

    private static int intSize(GlobalVariable v) {
        int s = v.size();
        if (s != 1 && s != 2 && s != 4 && s != 8) {
            throw new IllegalArgumentException("variable " + v.name() + " has " + s + " bytes; read it with read(name)");
        }
        return s;
    }
}
