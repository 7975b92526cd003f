package dev.ebpf4j.vm.maps;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * A BPF map held in Java, with the kernel's semantics, shared by programs and Java callers and safe to
 * use from many threads. Java callers use {@link #lookup}, {@link #update}, {@link #delete},
 * {@link #keys}; programs reach the {@code *FromProgram} methods through the map helpers, which return
 * addresses in the run's {@link AddressSpace} and negative errnos as the kernel's helpers do.
 *
 * <p>Every map has a handle: a zero-sized shared region whose address a {@code lddw} of the map
 * loads ({@link #handleAddress()}); its id doubles as the map's fd in this VM ({@link #fd()}).
 */
public abstract class BpfMap {
    /** {@code BPF_ANY}: create or update. */
    public static final long BPF_ANY = 0;
    /** {@code BPF_NOEXIST}: create only. */
    public static final long BPF_NOEXIST = 1;
    /** {@code BPF_EXIST}: update only. */
    public static final long BPF_EXIST = 2;
    /** {@code BPF_F_LOCK}. */
    public static final long BPF_F_LOCK = 4;

    protected final MapSpec spec;
    protected final Region handle;

    protected BpfMap(MapSpec spec, SharedRegions shared) {
        this.spec = spec;
        this.handle = shared.register(Region.Kind.MAP_HANDLE, spec.name(), MemorySegment.ofArray(new byte[0]), false,
                false, this);
    }

    public MapSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    public MapType type() {
        return spec.type();
    }

    public int keySize() {
        return spec.keySize();
    }

    public int valueSize() {
        return spec.valueSize();
    }

    public int maxEntries() {
        return spec.maxEntries();
    }

    /** The map's number in this VM: what a raw program's {@code lddw rX, map_fd} immediate names. */
    public int fd() {
        return handle.id();
    }

    /** The address a {@code lddw} of this map loads. */
    public long handleAddress() {
        return handle.base();
    }

    // ---- Java API ----

    /** The value stored under {@code key} (per-CPU maps: every CPU's value, each padded to 8 bytes), or null. */
    public abstract byte[] lookup(byte[] key);

    /** Creates or replaces ({@code flags}: {@link #BPF_ANY}, {@link #BPF_NOEXIST}, {@link #BPF_EXIST}). */
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        long rc = updateFromJava(key, value, flags);
        if (rc < 0) {
            throw new BpfMapException((int) -rc, "update of map '" + name() + "' failed");
        }
    }

    public void update(byte[] key, byte[] value) {
        update(key, value, BPF_ANY);
    }

    /** Removes {@code key}; false when it was not there. Array maps throw (EINVAL) as the kernel does. */
    public boolean delete(byte[] key) {
        checkKey(key);
        long rc = deleteFromJava(key);
        if (rc == -Errno.ENOENT) {
            return false;
        }
        if (rc < 0) {
            throw new BpfMapException((int) -rc, "delete from map '" + name() + "' failed");
        }
        return true;
    }

    /** Every key, in the map's iteration order. */
    public abstract List<byte[]> keys();

    /** Every entry, keys in iteration order. */
    public Map<byte[], byte[]> entries() {
        Map<byte[], byte[]> out = new LinkedHashMap<>();
        for (byte[] k : keys()) {
            byte[] v = lookup(k);
            if (v != null) {
                out.put(k, v);
            }
        }
        return out;
    }

    public void forEach(BiConsumer<byte[], byte[]> action) {
        entries().forEach(action);
    }

    /** Number of entries present. */
    public int size() {
        return keys().size();
    }

    protected abstract long updateFromJava(byte[] key, byte[] value, long flags);

    protected abstract long deleteFromJava(byte[] key);

    protected void checkKey(byte[] key) {
        if (key == null || key.length != keySize()) {
            throw new BpfMapException(Errno.EINVAL, "map '" + name() + "' has " + keySize() + "-byte keys, got "
                    + (key == null ? "null" : key.length + " bytes"));
        }
    }

    protected void checkValue(byte[] value, int expected) {
        if (value == null || value.length != expected) {
            throw new BpfMapException(Errno.EINVAL, "map '" + name() + "' takes " + expected + "-byte values, got "
                    + (value == null ? "null" : value.length + " bytes"));
        }
    }

    // ---- program API (helpers and compiled code) ----

    /** {@code bpf_map_lookup_elem}: the address of the value for the key at {@code keyAddress}, or 0. */
    public long lookupFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        return 0;
    }

    /** {@code bpf_map_update_elem}: 0 or a negative errno. */
    public long updateFromProgram(AddressSpace memory, int cpu, long keyAddress, long valueAddress, long flags) {
        return -Errno.EINVAL;
    }

    /** {@code bpf_map_delete_elem}: 0 or a negative errno. */
    public long deleteFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        return -Errno.EINVAL;
    }

    protected byte[] readKey(AddressSpace memory, long keyAddress) {
        return memory.read(keyAddress, keySize());
    }

    /** Value size rounded up to 8, the stride of array and per-CPU values. */
    protected int stride() {
        return (valueSize() + 7) & ~7;
    }

    protected static List<byte[]> list() {
        return new ArrayList<>();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name() + " " + type().bpftoolName() + " key " + keySize() + " value "
                + valueSize() + " max_entries " + maxEntries() + "]";
    }
}
