package dev.ebpf4j.loader.inspect;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.uapi.bpf_map_info;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfValues;

/**
 * The maps in the kernel, and their entries. Every method opens what it needs by id or path and closes it before
 * returning. Methods that take an id throw {@link BpfException} ({@code ENOENT}) when no such map exists; the
 * {@code by...} look-ups return empty instead.
 */
public final class Maps {
    private final BtfObjects btfs;

    Maps(BtfObjects btfs) {
        this.btfs = btfs;
    }

    /** Every map, in id order (maps that go away while listing are left out). */
    public List<MapInfo> list() {
        List<MapInfo> out = new ArrayList<>();
        for (int id : ids()) {
            byId(id).ifPresent(out::add);
        }
        return out;
    }

    /** Ids of every map, in order. */
    public List<Integer> ids() {
        List<Integer> out = new ArrayList<>();
        OptionalInt next = Bpf.mapGetNextId(0);
        while (next.isPresent()) {
            out.add(next.getAsInt());
            next = Bpf.mapGetNextId(next.getAsInt());
        }
        return out;
    }

    /** The map with this id, if there is one. */
    public Optional<MapInfo> byId(int id) {
        try (Fd fd = Bpf.mapGetFdById(id)) {
            return Optional.of(info(fd));
        } catch (BpfException e) {
            if (e.is(Errno.ENOENT)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The map with this id; {@link BpfException} with ENOENT when there is none. */
    public MapInfo get(int id) {
        try (Fd fd = Bpf.mapGetFdById(id)) {
            return info(fd);
        }
    }

    /** The maps with this name, in id order. */
    public List<MapInfo> byName(String name) {
        return list().stream().filter(m -> m.name().equals(name)).toList();
    }

    /**
     * The map pinned at {@code path}.
     *
     * @throws BpfException when nothing is pinned there
     * @throws IllegalArgumentException when what is pinned there is not a map
     */
    public MapInfo byPinnedPath(Path path) {
        try (Fd fd = Bpf.objGet(path.toString())) {
            String kind = Inspector.fdKind(fd);
            if (!kind.equals("map")) {
                throw new IllegalArgumentException("incorrect object type: " + kind);
            }
            return info(fd);
        }
    }

    static MapInfo info(Fd fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = Bpf.mapInfo(fd, arena);
            List<String> fdinfo = Procfs.fdinfoLines(fd);
            OptionalLong memlock = Procfs.fdinfo(fdinfo, "memlock").map(s -> OptionalLong.of(Long.parseLong(s.strip())))
                    .orElse(OptionalLong.empty());
            boolean frozen = Procfs.fdinfo(fdinfo, "frozen").map(s -> Integer.parseInt(s.strip()) != 0).orElse(false);
            OptionalInt owner = Procfs.fdinfo(fdinfo, "owner_prog_type").map(s -> OptionalInt.of(Integer.parseInt(s.strip())))
                    .orElse(OptionalInt.empty());
            Optional<Boolean> ownerJited = Procfs.fdinfo(fdinfo, "owner_jited").map(s -> Integer.parseInt(s.strip()) != 0);
            return new MapInfo(bpf_map_info.id(info), bpf_map_info.type(info), Bpf.cString(bpf_map_info.name(info)),
                    bpf_map_info.map_flags(info), bpf_map_info.key_size(info), bpf_map_info.value_size(info),
                    bpf_map_info.max_entries(info), bpf_map_info.map_extra(info), memlock, bpf_map_info.btf_id(info),
                    bpf_map_info.btf_key_type_id(info), bpf_map_info.btf_value_type_id(info),
                    bpf_map_info.btf_vmlinux_value_type_id(info), frozen, owner, ownerJited,
                    bpf_map_info.ifindex(info));
        }
    }

    // ------------------------------------------------------------------------------------------ entries

    /**
     * The BTF that describes the map's keys and values, as bpftool picks it: the kernel's for a struct_ops map, the
     * map's BTF object when it has a value type, else none.
     */
    public Optional<Btf> btf(MapInfo map) {
        if (map.btfVmlinuxValueTypeId() != 0) {
            return Optional.of(btfs.vmlinux());
        }
        if (map.btfValueTypeId() != 0) {
            return Optional.of(btfs.load(map.btfId()));
        }
        return Optional.empty();
    }

    /** Bytes of one value buffer: the value size, or one 8-byte-aligned slot per possible CPU for per-CPU maps. */
    static int valueBufferSize(MapInfo map) {
        return map.perCpu() ? roundUp8(map.valueSize()) * Procfs.possibleCpus() : map.valueSize();
    }

    private static int roundUp8(int n) {
        return (n + 7) & ~7;
    }

    /** Every entry of map {@code id} in the kernel's key order, formatted from BTF when the map has it. */
    public List<MapEntry> dump(int id) {
        return dump(id, true);
    }

    /** Every entry of map {@code id}; {@code format} false skips BTF formatting. */
    public List<MapEntry> dump(int id, boolean format) {
        try (Fd fd = Bpf.mapGetFdById(id); Arena arena = Arena.ofConfined()) {
            MapInfo map = info(fd);
            Optional<Btf> btf = format ? btf(map) : Optional.empty();
            MemorySegment key = arena.allocate(Math.max(1, map.keySize()), 8);
            MemorySegment prev = MemorySegment.NULL;
            MemorySegment value = arena.allocate(Math.max(1, valueBufferSize(map)), 8);
            List<MapEntry> out = new ArrayList<>();
            while (Bpf.mapGetNextKey(fd, prev, key)) {
                byte[] k = key.asSlice(0, map.keySize()).toArray(JAVA_BYTE);
                out.add(entry(fd, map, btf, k, key, value));
                if (prev == MemorySegment.NULL) {
                    prev = arena.allocate(Math.max(1, map.keySize()), 8);
                }
                MemorySegment.copy(key, 0, prev, 0, map.keySize());
            }
            return out;
        }
    }

    private static MapEntry entry(Fd fd, MapInfo map, Optional<Btf> btf, byte[] k, MemorySegment key,
            MemorySegment value) {
        try {
            if (!Bpf.mapLookup(fd, key, value)) {
                return new MapEntry(k, List.of(), Errno.ENOENT.number(), Optional.empty());
            }
        } catch (BpfException e) {
            return new MapEntry(k, List.of(), e.errno(), Optional.empty());
        }
        List<byte[]> values = splitValues(map, value.asSlice(0, valueBufferSize(map)).toArray(JAVA_BYTE));
        return new MapEntry(k, values, 0, btf.map(b -> format(b, map, k, values)));
    }

    static List<byte[]> splitValues(MapInfo map, byte[] buffer) {
        if (!map.perCpu()) {
            return List.of(buffer);
        }
        int step = roundUp8(map.valueSize());
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off + map.valueSize() <= buffer.length; off += step) {
            byte[] v = new byte[map.valueSize()];
            System.arraycopy(buffer, off, v, 0, v.length);
            out.add(v);
        }
        return out;
    }

    /** The BTF-formatted key (when the map has a key type) and values of an entry. */
    public static MapEntry.Formatted format(Btf btf, MapInfo map, byte[] key, List<byte[]> values) {
        Optional<Object> k = map.btfKeyTypeId() == 0 ? Optional.empty()
                : Optional.of(BtfValues.format(btf, map.btfKeyTypeId(), key));
        int valueType = map.btfVmlinuxValueTypeId() != 0 ? map.btfVmlinuxValueTypeId() : map.btfValueTypeId();
        List<Object> v = values.stream().map(b -> BtfValues.format(btf, valueType, b)).toList();
        return new MapEntry.Formatted(k, v);
    }

    /** The value stored under {@code key} in map {@code id} (one element per possible CPU for per-CPU maps). */
    public Optional<List<byte[]>> lookup(int id, byte[] key) {
        try (Fd fd = Bpf.mapGetFdById(id); Arena arena = Arena.ofConfined()) {
            MapInfo map = info(fd);
            checkSize("key", key, map.keySize());
            MemorySegment value = arena.allocate(Math.max(1, valueBufferSize(map)), 8);
            if (!Bpf.mapLookup(fd, native_(arena, key), value)) {
                return Optional.empty();
            }
            return Optional.of(splitValues(map, value.asSlice(0, valueBufferSize(map)).toArray(JAVA_BYTE)));
        }
    }

    /**
     * Stores {@code value} under {@code key} in map {@code id}. For a per-CPU map a value of the map's value size is
     * stored for every CPU (as bpftool does); a whole per-CPU buffer is stored as given.
     */
    public void update(int id, byte[] key, byte[] value, UpdateFlag flag) {
        try (Fd fd = Bpf.mapGetFdById(id); Arena arena = Arena.ofConfined()) {
            update(fd, info(fd), arena, key, value, flag);
        }
    }

    static void update(Fd fd, MapInfo map, Arena arena, byte[] key, byte[] value, UpdateFlag flag) {
        checkSize("key", key, map.keySize());
        byte[] buffer = value;
        if (map.perCpu() && value.length == map.valueSize()) {
            int step = roundUp8(map.valueSize());
            int cpus = Procfs.possibleCpus();
            buffer = new byte[step * cpus];
            for (int i = 0; i < cpus; i++) {
                System.arraycopy(value, 0, buffer, i * step, value.length);
            }
        } else {
            checkSize("value", value, valueBufferSize(map));
        }
        Bpf.mapUpdate(fd, native_(arena, key), native_(arena, buffer), flag.value());
    }

    /**
     * Stores program {@code progId} under {@code key} in program array {@code id}: the kernel takes a descriptor of
     * the program, opened here for the update. (bpftool warns that the entry goes away when the last descriptor of
     * the array closes, unless the array is pinned or held open.)
     */
    public void updateWithProgram(int id, byte[] key, int progId, UpdateFlag flag) {
        try (Fd fd = Bpf.mapGetFdById(id); Fd prog = Bpf.progGetFdById(progId); Arena arena = Arena.ofConfined()) {
            update(fd, info(fd), arena, key, fdBytes(prog), flag);
        }
    }

    /** Stores map {@code innerId} under {@code key} in map-of-maps {@code id} (by a descriptor opened here). */
    public void updateWithMap(int id, byte[] key, int innerId, UpdateFlag flag) {
        try (Fd fd = Bpf.mapGetFdById(id); Fd inner = Bpf.mapGetFdById(innerId); Arena arena = Arena.ofConfined()) {
            update(fd, info(fd), arena, key, fdBytes(inner), flag);
        }
    }

    private static byte[] fdBytes(Fd fd) {
        int v = fd.raw();
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** Deletes {@code key} from map {@code id}; false when there was no such key. */
    public boolean delete(int id, byte[] key) {
        try (Fd fd = Bpf.mapGetFdById(id); Arena arena = Arena.ofConfined()) {
            MapInfo map = info(fd);
            checkSize("key", key, map.keySize());
            return Bpf.mapDelete(fd, native_(arena, key));
        }
    }

    /** The key after {@code key} in map {@code id} ({@code null} for the first key); empty at the end. */
    public Optional<byte[]> nextKey(int id, byte[] key) {
        try (Fd fd = Bpf.mapGetFdById(id); Arena arena = Arena.ofConfined()) {
            MapInfo map = info(fd);
            MemorySegment current = MemorySegment.NULL;
            if (key != null) {
                checkSize("key", key, map.keySize());
                current = native_(arena, key);
            }
            MemorySegment next = arena.allocate(Math.max(1, map.keySize()), 8);
            if (!Bpf.mapGetNextKey(fd, current, next)) {
                return Optional.empty();
            }
            return Optional.of(next.asSlice(0, map.keySize()).toArray(JAVA_BYTE));
        }
    }

    private static void checkSize(String what, byte[] bytes, int size) {
        if (bytes.length != size) {
            throw new IllegalArgumentException(what + " expected " + size + " bytes got " + bytes.length);
        }
    }

    private static MemorySegment native_(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 8);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }
}
