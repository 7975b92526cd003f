package dev.ebpf4j.loader.fallback;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.maps.BpfMapException;

/**
 * A loader {@link BpfMap} over a VM map: the same bytes and the kernel's errnos ({@code EEXIST}, {@code ENOENT},
 * {@code E2BIG}, {@code EINVAL}) as {@link FallbackMapException}s (a kernel {@code BpfMapException}). Read-only data sections ({@code .rodata}) refuse
 * updates with {@code EPERM}, as the kernel refuses them once libbpf has frozen the map.
 */
final class FallbackMap implements BpfMap {
    private final dev.ebpf4j.vm.maps.BpfMap map;
    private final Supplier<String> why;
    private volatile boolean closed;

    FallbackMap(dev.ebpf4j.vm.maps.BpfMap map, Supplier<String> why) {
        this.map = map;
        this.why = why;
    }

    /** The VM's map behind this one. */
    dev.ebpf4j.vm.maps.BpfMap vmMap() {
        return map;
    }

    @Override
    public MapSpec spec() {
        return map.spec();
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        checkOpen();
        try {
            return Optional.ofNullable(map.lookup(key));
        } catch (BpfMapException e) {
            throw refused("lookup", e);
        }
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        checkOpen();
        String op = "update(" + flag + ")";
        if (spec().kind() == MapSpec.Kind.GLOBAL_DATA && spec().readOnly()) {
            throw new FallbackMapException(name(), op, Errno.EPERM, null);
        }
        try {
            map.update(key, value, flag.value());
        } catch (BpfMapException e) {
            throw refused(op, e);
        }
    }

    @Override
    public boolean delete(byte[] key) {
        checkOpen();
        try {
            return map.delete(key);
        } catch (BpfMapException e) {
            throw refused("delete", e);
        }
    }

    /** As the kernel: the first key after a null key or a key that is not in the map, empty after the last. */
    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        checkOpen();
        if (key != null && key.length != spec().keySize()) {
            throw new FallbackMapException(name(), "next key", Errno.EINVAL, null);
        }
        List<byte[]> keys = map.keys();
        int next = 0;
        if (key != null) {
            for (int i = 0; i < keys.size(); i++) {
                if (Arrays.equals(keys.get(i), key)) {
                    next = i + 1;
                    break;
                }
            }
        }
        return next < keys.size() ? Optional.of(keys.get(next).clone()) : Optional.empty();
    }

    @Override
    public List<byte[]> keys() {
        checkOpen();
        return map.keys().stream().map(byte[]::clone).toList();
    }

    @Override
    public void pin(Path path) {
        throw new UnsupportedOperationException("map '" + name() + "': cannot pin at " + path
                + ": pinning needs the kernel runtime; this object runs in the fallback VM (" + why.get() + ")");
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("map '" + name() + "' is closed");
        }
    }

    private FallbackMapException refused(String op, BpfMapException e) {
        return new FallbackMapException(name(), op, e.errno(), e);
    }

    @Override
    public String toString() {
        return "FallbackMap[" + map + "]";
    }
}
