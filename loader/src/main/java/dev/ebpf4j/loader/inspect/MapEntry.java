package dev.ebpf4j.loader.inspect;

import java.util.List;
import java.util.Optional;

/**
 * One entry of a map dump.
 *
 * @param key the key's bytes
 * @param values the value's bytes: one element, or one per possible CPU for per-CPU maps; empty when the look-up
 *     failed
 * @param errno the look-up's errno when it failed (the key was listed but its value could not be read), else 0
 * @param formatted the key and value in bpftool's "formatted" shape, when the map has BTF for its value
 */
public record MapEntry(byte[] key, List<byte[]> values, int errno, Optional<Formatted> formatted) {

    public MapEntry {
        key = key.clone();
        values = values.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public List<byte[]> values() {
        return values.stream().map(byte[]::clone).toList();
    }

    /** The value (of CPU 0 for per-CPU maps). */
    public byte[] value() {
        return values.getFirst().clone();
    }

    /**
     * BTF-formatted key and value(s), as {@link dev.ebpf4j.object.btf.BtfValues#format} builds them.
     *
     * @param key the key, or empty when the map has no BTF key type
     * @param values the value, or one per possible CPU
     */
    public record Formatted(Optional<Object> key, List<Object> values) {}
}
