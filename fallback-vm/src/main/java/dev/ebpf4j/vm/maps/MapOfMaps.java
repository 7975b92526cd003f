package dev.ebpf4j.vm.maps;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * {@code ARRAY_OF_MAPS} and {@code HASH_OF_MAPS}: values are inner maps, which must match the inner
 * map template in type, key and value size. A program's lookup returns the inner map's handle, which
 * the map helpers accept like any {@code lddw} of a map. From the byte API a value is a map's fd in this VM.
 */
public final class MapOfMaps extends BpfMap {
    private final ConcurrentHashMap<Long, BpfMap> inner = new ConcurrentHashMap<>();
    private final IntFunction<BpfMap> byFd;

    public MapOfMaps(MapSpec spec, SharedRegions shared, IntFunction<BpfMap> byFd) {
        super(spec, shared);
        if (spec.keySize() <= 0 || spec.keySize() > 8) {
            throw new BpfMapException(Errno.EINVAL, "map of maps '" + spec.name() + "' with " + spec.keySize()
                    + "-byte keys is not supported (1 to 8 bytes)");
        }
        this.byFd = byFd;
    }

    private boolean isArray() {
        return type() == MapType.ARRAY_OF_MAPS;
    }

    /** Stores {@code map} under {@code key}. */
    public void set(byte[] key, BpfMap map) {
        checkKey(key);
        long rc = put(Bytes.toLong(key, 0, keySize()), map, BPF_ANY);
        if (rc < 0) {
            throw new BpfMapException((int) -rc, "cannot store map '" + map.name() + "' in '" + name() + "'");
        }
    }

    /** The inner map under {@code key}, or null. */
    public BpfMap get(byte[] key) {
        checkKey(key);
        return inner.get(Bytes.toLong(key, 0, keySize()));
    }

    private long put(long k, BpfMap map, long flags) {
        Objects.requireNonNull(map, "map");
        MapSpec t = spec.innerMap();
        if (t != null && (t.type() != map.type() || t.keySize() != map.keySize() || t.valueSize() != map.valueSize())) {
            return -Errno.EINVAL;
        }
        if (isArray() && (k < 0 || k >= maxEntries())) {
            return -Errno.E2BIG;
        }
        if (flags == BPF_NOEXIST && inner.containsKey(k)) {
            return -Errno.EEXIST;
        }
        if (flags == BPF_EXIST && !inner.containsKey(k) && !isArray()) {
            return -Errno.ENOENT;
        }
        if (!isArray() && !inner.containsKey(k) && inner.size() >= maxEntries()) {
            return -Errno.E2BIG;
        }
        inner.put(k, map);
        return 0;
    }

    @Override
    public byte[] lookup(byte[] key) {
        BpfMap m = get(key);
        return m == null ? null : Bytes.u32(m.fd());
    }

    @Override
    public List<byte[]> keys() {
        List<byte[]> out = list();
        for (Long k : inner.keySet()) {
            byte[] b = Bytes.u64(k);
            out.add(java.util.Arrays.copyOf(b, keySize()));
        }
        return out;
    }

    @Override
    protected long updateFromJava(byte[] key, byte[] value, long flags) {
        checkValue(value, 4);
        BpfMap m = byFd.apply((int) Bytes.toLong(value, 0, 4));
        if (m == null) {
            return -Errno.EBADF;
        }
        return put(Bytes.toLong(key, 0, keySize()), m, flags);
    }

    @Override
    protected long deleteFromJava(byte[] key) {
        return inner.remove(Bytes.toLong(key, 0, keySize())) == null ? -Errno.ENOENT : 0;
    }

    @Override
    public long lookupFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        BpfMap m = inner.get(Bytes.toLong(readKey(memory, keyAddress), 0, keySize()));
        return m == null ? 0 : m.handleAddress();
    }

    @Override
    public long deleteFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        return -Errno.EINVAL;
    }
}
