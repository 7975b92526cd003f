package dev.ebpf4j.loader.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfCommand;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.SyscallException;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_map_info;
import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;

/**
 * A map in the kernel, held by its file descriptor. Keys and values are copied through native memory on every
 * call. Per-CPU maps take and give one value per possible CPU, each rounded up to 8 bytes, concatenated.
 * A global data map may also be mapped into this process ({@link #memory()}), which {@link #close()} unmaps.
 */
public final class KernelMap implements BpfMap {
    private final MapSpec spec;
    private final Fd fd;
    private final int id;
    private final boolean reused;
    private volatile MemorySegment mapping;

    KernelMap(MapSpec spec, Fd fd, boolean reused) {
        this.spec = spec;
        this.fd = fd;
        this.reused = reused;
        try (Arena arena = Arena.ofConfined()) {
            this.id = bpf_map_info.id(Bpf.mapInfo(fd, arena));
        }
    }

    @Override
    public MapSpec spec() {
        return spec;
    }

    /** The kernel's id for the map ({@code bpftool map show id N}). */
    public int id() {
        return id;
    }

    /** The map's descriptor (owned by this map: do not close it). */
    public Fd fd() {
        return fd;
    }

    /** True when the load reused a map already pinned under the pin root rather than creating one. */
    public boolean reused() {
        return reused;
    }

    /** Key size in bytes. */
    public int keySize() {
        return spec.keySize();
    }

    /** The size of a value as user space reads and writes it: for per-CPU maps, one 8-byte-rounded value per possible CPU. */
    public int valueSize() {
        return userValueSize(spec);
    }

    static int userValueSize(MapSpec spec) {
        if (isPerCpu(spec.type())) {
            return ((spec.valueSize() + 7) & ~7) * KernelProbes.possibleCpus();
        }
        return switch (spec.type()) {
            // the kernel hands out ids (u32) of the inner maps / programs, not the descriptors one writes
            case ARRAY_OF_MAPS, HASH_OF_MAPS, PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY -> 4;
            default -> spec.valueSize();
        };
    }

    /** True for the maps that hold one value per CPU. */
    public static boolean isPerCpu(MapType type) {
        return type == MapType.PERCPU_HASH || type == MapType.PERCPU_ARRAY || type == MapType.LRU_PERCPU_HASH
                || type == MapType.PERCPU_CGROUP_STORAGE;
    }

    /** The number of values a per-CPU lookup gives (1 for other maps). */
    public int valuesPerEntry() {
        return isPerCpu(spec.type()) ? KernelProbes.possibleCpus() : 1;
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        checkKey(key);
        int vs = valueSize();
        Scratch scratch = SCRATCH.get();
        MemorySegment v = scratch.value(vs);
        try {
            if (!Bpf.mapLookup(fd, scratch.key(key), v)) {
                return Optional.empty();
            }
        } catch (SyscallException e) {
            throw new BpfMapException(spec.name(), "lookup", e);
        }
        byte[] out = new byte[vs];
        MemorySegment.copy(v, ValueLayout.JAVA_BYTE, 0, out, 0, vs);
        return Optional.of(out);
    }

    /**
     * Each thread's native key and value buffers for the byte-array calls (grown when a map needs more): a lookup or
     * update copies through them instead of allocating native memory per call. The kernel reads and writes only
     * {@code key_size} / {@code value_size} bytes at their addresses.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        private MemorySegment key = MemorySegment.NULL;
        private MemorySegment value = MemorySegment.NULL;

        /** {@code bytes} copied into the key buffer; NULL for maps without keys (queue, stack). */
        MemorySegment key(byte[] bytes) {
            if (bytes.length == 0) {
                return MemorySegment.NULL;
            }
            if (key.byteSize() < bytes.length) {
                key = grow(bytes.length);
            }
            MemorySegment.copy(bytes, 0, key, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return key;
        }

        /** A buffer of at least {@code size} bytes (at least one) for a value. */
        MemorySegment value(int size) {
            if (value.byteSize() < Math.max(1, size)) {
                value = grow(size);
            }
            return value;
        }

        private static MemorySegment grow(long size) {
            return Arena.ofAuto().allocate(Math.max(64, size), 8); // freed by the GC once replaced
        }
    }

    /** Looks the key up and removes it in one step ({@code BPF_MAP_LOOKUP_AND_DELETE_ELEM}); empty when absent. */
    public Optional<byte[]> lookupAndDelete(byte[] key) {
        checkKey(key);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = nativeKey(arena, key);
            MemorySegment v = arena.allocate(Math.max(1, valueSize()), 8);
            MemorySegment attr = Bpf.newAttr(arena);
            bpf_attr.map_fd(attr, fd.raw());
            bpf_attr.key(attr, k.address());
            bpf_attr.value(attr, v.address());
            long r = Syscall.bpf(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM.value(), attr, Bpf.attrSize());
            if (r == -Errno.ENOENT.number()) {
                return Optional.empty();
            }
            if (r < 0) {
                throw new BpfMapException(spec.name(), "lookupAndDelete",
                        new BpfException(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM.value(), (int) -r));
            }
            return Optional.of(v.asSlice(0, valueSize()).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        checkKey(key);
        if (value == null || value.length != valueSize()) {
            throw new IllegalArgumentException(spec.name() + ": value must be " + valueSize() + " bytes"
                    + (isPerCpu(spec.type()) ? " (" + KernelProbes.possibleCpus() + " possible CPUs × "
                    + ((spec.valueSize() + 7) & ~7) + ")" : "") + ", not " + (value == null ? "null" : value.length));
        }
        Scratch scratch = SCRATCH.get();
        MemorySegment v = scratch.value(value.length);
        MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
        try {
            Bpf.mapUpdate(fd, scratch.key(key), v, flag.value());
        } catch (SyscallException e) {
            throw new BpfMapException(spec.name(), "update(" + flag + ")", e);
        }
    }

    @Override
    public boolean delete(byte[] key) {
        checkKey(key);
        try (Arena arena = Arena.ofConfined()) {
            return Bpf.mapDelete(fd, nativeKey(arena, key));
        } catch (SyscallException e) {
            throw new BpfMapException(spec.name(), "delete", e);
        }
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        if (key != null) {
            checkKey(key);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = key == null ? MemorySegment.NULL : nativeKey(arena, key);
            MemorySegment next = arena.allocate(Math.max(1, spec.keySize()), 8);
            if (!Bpf.mapGetNextKey(fd, k, next)) {
                return Optional.empty();
            }
            return Optional.of(next.asSlice(0, spec.keySize()).toArray(ValueLayout.JAVA_BYTE));
        } catch (SyscallException e) {
            throw new BpfMapException(spec.name(), "nextKey", e);
        }
    }

    /** The batch size {@link #entries()} reads with: the fastest measured (256 to 16384 are within 5 %, docs/benchmarks.md). */
    public static final int DEFAULT_BATCH = 1024;
    /** At most this many bytes of keys and values per batch for {@link #entries()} (wide per-CPU values). */
    private static final int DEFAULT_BATCH_BYTES = 1 << 20;

    /**
     * Every entry, key then value, read with {@code BPF_MAP_LOOKUP_BATCH} through a {@link MapBatchCursor}
     * ({@value #DEFAULT_BATCH} entries a call, fewer for small maps or wide values). The only objects made are
     * the entries themselves: callers that do not need them use {@link #forEachBatch} or {@link #batchCursor}.
     */
    @Override
    public List<java.util.Map.Entry<byte[], byte[]>> entries() {
        long perEntry = Math.max(1, spec.keySize()) + (long) Math.max(1, valueSize());
        int size = (int) Math.max(1, Math.min(Math.min(DEFAULT_BATCH, Math.max(1, spec.maxEntries())),
                DEFAULT_BATCH_BYTES / perEntry));
        return lookupBatch(size);
    }

    /**
     * Every entry read with {@code BPF_MAP_LOOKUP_BATCH}, {@code batchSize} entries per system call (more when a hash
     * bucket needs it), copied into one key and one value array per entry. Hash and array maps; other types answer
     * EINVAL or ENOTSUPP, which is thrown.
     */
    public List<java.util.Map.Entry<byte[], byte[]>> lookupBatch(int batchSize) {
        int ks = spec.keySize();
        int vs = valueSize();
        List<java.util.Map.Entry<byte[], byte[]>> out = new ArrayList<>(Math.min(Math.max(16, spec.maxEntries()), 4096));
        try (MapBatchCursor cursor = batchCursor(batchSize)) {
            while (cursor.next()) {
                MemorySegment keys = cursor.keys();
                MemorySegment values = cursor.values();
                for (int i = 0, n = cursor.count(); i < n; i++) {
                    byte[] k = new byte[ks];
                    byte[] v = new byte[vs];
                    MemorySegment.copy(keys, ValueLayout.JAVA_BYTE, (long) i * ks, k, 0, ks);
                    MemorySegment.copy(values, ValueLayout.JAVA_BYTE, (long) i * vs, v, 0, vs);
                    out.add(java.util.Map.entry(k, v));
                }
            }
        }
        return out;
    }

    /**
     * A cursor reading this map {@code batchSize} entries per {@code BPF_MAP_LOOKUP_BATCH} into native arrays it
     * reuses (no object per entry). Close it; it belongs to the calling thread.
     */
    public MapBatchCursor batchCursor(int batchSize) {
        return new MapBatchCursor(this, batchSize);
    }

    /** What {@link #forEachBatch} hands each batch to. */
    @FunctionalInterface
    public interface BatchVisitor {
        /**
         * One batch: {@code count} keys of {@link KernelMap#keySize()} bytes back to back in {@code keys}, their
         * values ({@link KernelMap#valueSize()} bytes each) in {@code values}. Both are only valid during the call.
         */
        void visit(MemorySegment keys, MemorySegment values, int count);
    }

    /**
     * Reads every entry with {@code BPF_MAP_LOOKUP_BATCH}, {@code batchSize} per call, and hands each batch's native
     * arrays to {@code visitor}; nothing is allocated per entry.
     *
     * @return the number of entries visited
     */
    public long forEachBatch(int batchSize, BatchVisitor visitor) {
        long total = 0;
        try (MapBatchCursor cursor = batchCursor(batchSize)) {
            while (cursor.next()) {
                visitor.visit(cursor.keys(), cursor.values(), cursor.count());
                total += cursor.count();
            }
        }
        return total;
    }

    /**
     * Writes {@code keys[i] -> values[i]} for every i in one {@code BPF_MAP_UPDATE_BATCH}, creating or replacing
     * each ({@link UpdateFlag#ANY}: the kernel takes no other flag in a batch). When the kernel stops part way, the
     * exception's message says how many were written (they stay written).
     */
    public void updateBatch(List<byte[]> keys, List<byte[]> values) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(spec.name() + ": " + keys.size() + " keys but " + values.size() + " values");
        }
        if (keys.isEmpty()) {
            return;
        }
        int vs = valueSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = packKeys(arena, keys);
            MemorySegment v = arena.allocate((long) Math.max(1, vs) * values.size(), 8);
            for (int i = 0; i < values.size(); i++) {
                byte[] value = values.get(i);
                if (value == null || value.length != vs) {
                    throw new IllegalArgumentException(spec.name() + ": value " + i + " must be " + vs + " bytes");
                }
                MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, (long) i * vs, vs);
            }
            batch(arena, BpfCommand.MAP_UPDATE_BATCH, "updateBatch", k, v, keys.size(), 0);
        }
    }

    /** Removes every key in one {@code BPF_MAP_DELETE_BATCH}; a missing key stops it with ENOENT (earlier ones stay removed). */
    public void deleteBatch(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            batch(arena, BpfCommand.MAP_DELETE_BATCH, "deleteBatch", packKeys(arena, keys), MemorySegment.NULL,
                    keys.size(), 0);
        }
    }

    private MemorySegment packKeys(Arena arena, List<byte[]> keys) {
        int ks = spec.keySize();
        MemorySegment k = arena.allocate((long) Math.max(1, ks) * keys.size(), 8);
        for (int i = 0; i < keys.size(); i++) {
            checkKey(keys.get(i));
            MemorySegment.copy(keys.get(i), 0, k, ValueLayout.JAVA_BYTE, (long) i * ks, ks);
        }
        return k;
    }

    private void batch(Arena arena, BpfCommand cmd, String what, MemorySegment keys, MemorySegment values, int count,
                       long elemFlags) {
        MemorySegment attr = Bpf.newAttr(arena);
        MemorySegment batch = bpf_attr.batch(attr);
        bpf_attr.batch.keys(batch, keys.address());
        bpf_attr.batch.values(batch, values.address());
        bpf_attr.batch.count(batch, count);
        bpf_attr.batch.elem_flags(batch, elemFlags);
        bpf_attr.batch.map_fd(batch, fd.raw());
        long r = Syscall.bpf(cmd.value(), attr, Bpf.attrSize());
        if (r < 0) {
            int done = bpf_attr.batch.count(batch); // written back only when the kernel got going
            throw new BpfMapException(spec.name(), what + (done < count ? " (" + done + " of " + count + " done)" : ""),
                    new BpfException(cmd.value(), (int) -r));
        }
    }

    /**
     * Pins the map at {@code path}, which must be in a BPF file system (bpffs, usually {@code /sys/fs/bpf}); the pin
     * keeps the map alive after this process closes it, until the file is removed.
     */
    @Override
    public void pin(Path path) {
        pin(fd, spec.name(), path);
    }

    static void pin(Fd fd, String name, Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new PinException(name, abs, "the directory " + parent + " does not exist", null);
        }
        String fs = Bpffs.fileSystemType(parent);
        if (!"bpf".equals(fs) && abs.startsWith(Bpffs.DEFAULT) && Bpffs.mountDefault()) {
            fs = Bpffs.fileSystemType(parent);
        }
        if (!"bpf".equals(fs)) {
            throw new PinException(name, abs, parent + " is not in a BPF file system (it is on " + fs
                    + "): pin under a bpffs mount such as /sys/fs/bpf", null);
        }
        try {
            Bpf.objPin(fd, abs.toString());
        } catch (SyscallException e) {
            if (e.is(Errno.EEXIST)) {
                throw new PinException(name, abs, "pin path exists (EEXIST): remove it first", e);
            }
            throw new PinException(name, abs, e.getMessage(), e);
        }
    }

    /** The map mapped into this process (global data), read-only for frozen maps; null when not mapped. */
    public MemorySegment memory() {
        return mapping;
    }

    /** Maps the map's values into this process (the map must be {@code BPF_F_MMAPABLE}). */
    MemorySegment mmap(boolean writable) {
        long length = (long) ((spec.valueSize() + 7) & ~7) * Math.max(1, spec.maxEntries());
        int prot = PROT_READ | (writable ? PROT_WRITE : 0);
        MemorySegment m = Syscall.mmap(length, prot, MAP_SHARED, fd, 0);
        mapping = writable ? m : m.asReadOnly();
        rawMapping = m;
        return mapping;
    }

    private static final int PROT_READ = dev.ebpf4j.bindings.uapi.Uapi.PROT_READ();
    private static final int PROT_WRITE = dev.ebpf4j.bindings.uapi.Uapi.PROT_WRITE();
    private static final int MAP_SHARED = dev.ebpf4j.bindings.uapi.Uapi.MAP_SHARED();
    private MemorySegment rawMapping;

    /** Freezes the map: user space can no longer write it ({@code BPF_MAP_FREEZE}). */
    void freeze() {
        try {
            Bpf.mapFreeze(fd);
        } catch (SyscallException e) {
            throw new BpfMapException(spec.name(), "freeze", e);
        }
    }

    private void checkKey(byte[] key) {
        if (key == null || key.length != spec.keySize()) {
            throw new IllegalArgumentException(spec.name() + ": key must be " + spec.keySize() + " bytes, not "
                    + (key == null ? "null" : key.length));
        }
    }

    private static MemorySegment nativeKey(Arena arena, byte[] key) {
        if (key.length == 0) {
            return MemorySegment.NULL;
        }
        MemorySegment k = arena.allocate(key.length, 8);
        MemorySegment.copy(key, 0, k, ValueLayout.JAVA_BYTE, 0, key.length);
        return k;
    }

    /** Unmaps the memory (if mapped) and closes the descriptor; idempotent. */
    @Override
    public synchronized void close() {
        MemorySegment m = rawMapping;
        rawMapping = null;
        mapping = null;
        try {
            if (m != null) {
                Syscall.munmap(m);
            }
        } finally {
            fd.close();
        }
    }

    boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public String toString() {
        return "KernelMap[" + spec.name() + " id " + id + " " + spec.type().bpftoolName() + "]";
    }

    /** bpffs checks. */
    static final class Bpffs {
        static final Path DEFAULT = Path.of("/sys/fs/bpf");
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Bpffs.class);

        private Bpffs() {}

        /**
         * Mounts bpffs at /sys/fs/bpf when nothing is mounted there (as systemd normally does at boot); true when
         * it mounted it.
         */
        static synchronized boolean mountDefault() {
            if (!Files.isDirectory(DEFAULT) || "bpf".equals(fileSystemType(DEFAULT))) {
                return false;
            }
            try {
                dev.ebpf4j.bindings.Syscall.mount("bpf", DEFAULT.toString(), "bpf");
                LOG.info("ebpf4j: mounted bpffs at {}", DEFAULT);
                return true;
            } catch (SyscallException e) {
                LOG.debug("mounting bpffs at {} failed: {}", DEFAULT, e.getMessage());
                return false;
            }
        }

        /** The type of the file system {@code dir} is on, from /proc/self/mounts (longest mount point that holds it). */
        static String fileSystemType(Path dir) {
            Path real;
            try {
                real = dir.toRealPath();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String best = null;
            int bestLen = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                    String[] f = line.split(" ");
                    if (f.length < 3) {
                        continue;
                    }
                    String mountPoint = f[1].replace("\\040", " ");
                    if ((real.startsWith(Path.of(mountPoint))) && mountPoint.length() >= bestLen) {
                        best = f[2];
                        bestLen = mountPoint.length();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return best == null ? "unknown" : best;
        }
    }
}
