package dev.ebpf4j.loader;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.ebpf4j.object.MapSpec;

/**
 * A map created from an object, in the kernel or in the fallback VM. Keys and values are the raw bytes the program
 * sees; per-CPU maps take and give one value per possible CPU, concatenated (each rounded up to 8 bytes, as the
 * kernel does). Closing releases it (the kernel frees it when nothing else holds it: a pin, a program).
 */
public interface BpfMap extends AutoCloseable {

    /** The map's name in the object, e.g. {@code .bss} or {@code blocked_ports}. */
    default String name() {
        return spec().name();
    }

    MapSpec spec();

    /** The value stored under {@code key}, if any. */
    Optional<byte[]> lookup(byte[] key);

    void update(byte[] key, byte[] value, UpdateFlag flag);

    default void update(byte[] key, byte[] value) {
        update(key, value, UpdateFlag.ANY);
    }

    /** Removes {@code key}; false when it was not there. */
    boolean delete(byte[] key);

    /** The key after {@code key} in the map's order, or the first key when {@code key} is null. */
    Optional<byte[]> nextKey(byte[] key);

    /** Every key, in the map's order (a snapshot; entries may change while it is taken). */
    default List<byte[]> keys() {
        List<byte[]> out = new java.util.ArrayList<>();
        byte[] key = null;
        for (Optional<byte[]> next = nextKey(null); next.isPresent(); next = nextKey(key)) {
            key = next.get();
            out.add(key);
        }
        return out;
    }

    /**
     * Every entry, key then value (a walk, not a snapshot: entries changed meanwhile may or may not be seen). This
     * default takes the keys, then looks each up (skipping keys removed meanwhile); kernel maps read in batches.
     */
    default List<java.util.Map.Entry<byte[], byte[]>> entries() {
        List<java.util.Map.Entry<byte[], byte[]>> out = new java.util.ArrayList<>();
        for (byte[] key : keys()) {
            lookup(key).ifPresent(value -> out.add(java.util.Map.entry(key, value)));
        }
        return out;
    }

    /** Pins the map at {@code path} in bpffs (kernel only). */
    void pin(Path path);

    @Override
    void close();
}
