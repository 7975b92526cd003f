package dev.ebpf4j.vm.memory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Regions that live as long as the VM: map handles, array and global data values, program code, extern
 * values. Their addresses are baked into loaded programs ({@code lddw} of a map or a map value), so they
 * never move. Registration is synchronized; lookup reads a volatile array and takes no lock.
 */
public final class SharedRegions {
    /** Region ids below this are shared; per-run regions start here. */
    public static final int LIMIT = 1 << 16;

    private volatile Region[] regions = new Region[64];
    private int next = 1;

    public synchronized Region register(Region.Kind kind, String name, MemorySegment segment, boolean readable,
                                        boolean writable, Object owner) {
        if (next >= LIMIT) {
            throw new IllegalStateException("too many shared regions (" + LIMIT + ")");
        }
        Region[] current = regions;
        if (next >= current.length) {
            current = Arrays.copyOf(current, Math.min(LIMIT, current.length * 2));
        }
        Region r = new Region(next++, kind, name, segment, readable, writable, owner, null);
        current[r.id()] = r;
        regions = current;
        return r;
    }

    /** The region with this id, or null. */
    public Region get(int id) {
        Region[] current = regions;
        return id > 0 && id < current.length ? current[id] : null;
    }
}
