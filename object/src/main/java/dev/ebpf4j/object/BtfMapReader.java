package dev.ebpf4j.object;

import java.util.List;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;

/**
 * Reads a BTF-defined map: the {@code .maps} variable's struct, whose members encode the attributes the way
 * libbpf's {@code __uint}, {@code __type} and {@code __array} macros do ({@code int (*name)[value]}, {@code T *name},
 * {@code T *name[]}).
 */
final class BtfMapReader {
    private BtfMapReader() {}

    static MapSpec read(Btf btf, String name, String section) {
        BtfType.Datasec datasec = ObjectBtf.dataSection(btf, section).map(id -> (BtfType.Datasec) btf.type(id))
                .orElseThrow(() -> new BpfFormatException("map '" + name + "': BTF has no DATASEC '" + section + "'"));
        for (BtfType.VarSecinfo info : datasec.vars()) {
            if (btf.type(info.type()) instanceof BtfType.Var v && v.name().equals(name)) {
                return definition(btf, name, section, v.type());
            }
        }
        throw new BpfFormatException("map '" + name + "': no variable of that name in BTF DATASEC '" + section + "'");
    }

    private static MapSpec definition(Btf btf, String name, String section, int typeId) {
        if (!(btf.type(btf.resolve(typeId)) instanceof BtfType.Struct def)) {
            throw new BpfFormatException("map '" + name + "': definition is " + btf.describe(typeId) + ", not a struct");
        }
        MapType type = null;
        int keySize = -1;
        int valueSize = -1;
        int keyType = 0;
        int valueType = 0;
        int maxEntries = 0;
        int flags = 0;
        int numaNode = 0;
        long mapExtra = 0;
        MapSpec.Pinning pinning = MapSpec.Pinning.NONE;
        MapSpec inner = null;
        for (BtfType.Member m : def.members()) {
            String attr = m.name();
            switch (attr) {
                case "type" -> {
                    int v = uint(btf, name, m);
                    type = MapType.of(v).orElseThrow(() -> new BpfFormatException("map '" + name + "': unknown map type " + v));
                }
                case "max_entries" -> maxEntries = uint(btf, name, m);
                case "map_flags" -> flags = uint(btf, name, m);
                case "numa_node" -> numaNode = uint(btf, name, m);
                case "map_extra" -> mapExtra = Integer.toUnsignedLong(uint(btf, name, m));
                case "key_size" -> keySize = checkSize(name, "key_size", keySize, uint(btf, name, m));
                case "value_size" -> valueSize = checkSize(name, "value_size", valueSize, uint(btf, name, m));
                case "key" -> {
                    keyType = pointee(btf, name, m);
                    keySize = checkSize(name, "key", keySize, sizeOf(btf, name, "key", keyType));
                }
                case "value" -> {
                    valueType = pointee(btf, name, m);
                    valueSize = checkSize(name, "value", valueSize, sizeOf(btf, name, "value", valueType));
                }
                case "pinning" -> {
                    int v = uint(btf, name, m);
                    pinning = switch (v) {
                        case 0 -> MapSpec.Pinning.NONE;
                        case 1 -> MapSpec.Pinning.BY_NAME;
                        default -> throw new BpfFormatException("map '" + name + "': unknown pinning " + v
                                + " (0 = none, 1 = LIBBPF_PIN_BY_NAME)");
                    };
                }
                case "values" -> inner = innerMap(btf, name, section, m);
                default -> throw new BpfFormatException("map '" + name + "': unknown attribute '" + attr + "' in its definition");
            }
        }
        if (type == null) {
            throw new BpfFormatException("map '" + name + "': definition has no 'type' attribute");
        }
        if (inner != null && type != MapType.ARRAY_OF_MAPS && type != MapType.HASH_OF_MAPS && type != MapType.PROG_ARRAY) {
            throw new BpfFormatException("map '" + name + "': 'values' is only for map-in-map and prog array maps, not "
                    + type.bpftoolName());
        }
        if (inner != null && type != MapType.PROG_ARRAY) {
            valueSize = checkSize(name, "values", valueSize, 4);
        }
        return new MapSpec(name, ObjectReader.kernelMapName(name), MapSpec.Kind.BTF, section, type, Math.max(keySize, 0),
                Math.max(valueSize, 0), maxEntries, flags, pinning, numaNode, mapExtra, keyType, valueType,
                type == MapType.PROG_ARRAY ? null : inner, null, List.of());
    }

    /** {@code __array(values, struct inner_def)}: an array of pointers to the inner definition. */
    private static MapSpec innerMap(Btf btf, String name, String section, BtfType.Member m) {
        if (!(btf.type(m.type()) instanceof BtfType.Array array)) {
            throw new BpfFormatException("map '" + name + "': 'values' must be an array of pointers (__array)");
        }
        if (!(btf.type(btf.resolve(array.elementType())) instanceof BtfType.Ptr ptr)) {
            throw new BpfFormatException("map '" + name + "': 'values' must be an array of pointers (__array)");
        }
        BtfType target = btf.type(btf.resolve(ptr.type()));
        if (target instanceof BtfType.FuncProto) {
            return null; // a prog array's initial programs: nothing to describe as a map
        }
        return definition(btf, name + ".inner", section, ptr.type());
    }

    /** {@code __uint(name, v)} is {@code int (*name)[v]}: a pointer to an array of v elements. */
    private static int uint(Btf btf, String map, BtfType.Member m) {
        if (btf.type(m.type()) instanceof BtfType.Ptr ptr && btf.type(ptr.type()) instanceof BtfType.Array a) {
            return a.count();
        }
        throw new BpfFormatException("map '" + map + "': attribute '" + m.name() + "' must be declared with __uint"
                + " (a pointer to an array), is " + btf.describe(m.type()));
    }

    /** {@code __type(name, T)} is {@code T *name}. */
    private static int pointee(Btf btf, String map, BtfType.Member m) {
        if (btf.type(m.type()) instanceof BtfType.Ptr ptr) {
            return ptr.type();
        }
        throw new BpfFormatException("map '" + map + "': attribute '" + m.name() + "' must be declared with __type"
                + " (a pointer), is " + btf.describe(m.type()));
    }

    private static int sizeOf(Btf btf, String map, String what, int typeId) {
        try {
            return Math.toIntExact(btf.sizeOf(typeId));
        } catch (RuntimeException e) {
            throw new BpfFormatException("map '" + map + "': cannot size its " + what + " type " + btf.describe(typeId)
                    + ": " + e.getMessage(), e);
        }
    }

    private static int checkSize(String map, String what, int previous, int size) {
        if (previous >= 0 && previous != size) {
            throw new BpfFormatException("map '" + map + "': " + what + " gives size " + size + " but an earlier"
                    + " attribute gave " + previous);
        }
        return size;
    }
}
