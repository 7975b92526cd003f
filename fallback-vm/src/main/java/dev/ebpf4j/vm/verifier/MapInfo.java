package dev.ebpf4j.vm.verifier;

import java.util.Objects;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;

/**
 * What the verifier needs to know about a map a program refers to.
 *
 * @param name       for messages
 * @param type       the map type
 * @param keySize    key size in bytes
 * @param valueSize  value size in bytes
 * @param maxEntries maximum number of entries
 * @param readOnly   true when programs may not write it ({@code BPF_F_RDONLY_PROG})
 * @param inner      for map-in-map types the inner map template, else null
 */
public record MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnly,
                      MapInfo inner) {

    public MapInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** A plain map without an inner template. */
    public static MapInfo of(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnly) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, readOnly, null);
    }

    /** From an object's map declaration ({@code BPF_F_RDONLY_PROG} in its flags makes it read-only). */
    public static MapInfo from(MapSpec spec) {
        return new MapInfo(spec.name(), spec.type(), spec.keySize(), spec.valueSize(), spec.maxEntries(),
                (spec.flags() & MapSpec.BPF_F_RDONLY_PROG) != 0,
                spec.innerMap() == null ? null : from(spec.innerMap()));
    }

    /** True for the map-in-map types, whose lookups return a map. */
    public boolean isMapOfMaps() {
        return type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS;
    }

    /** True for maps whose value a program may address directly ({@code lddw map_value}). */
    public boolean hasDirectValue() {
        return type == MapType.ARRAY;
    }
}
