package dev.ebpf4j.vm.maps;

import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * {@code BPF_MAP_TYPE_PROG_ARRAY}: the targets of {@code bpf_tail_call}. Java fills it with loaded
 * programs ({@link #set}); from the byte API a value is a program's id in this VM ({@link VmProgram#id()}).
 */
public final class ProgArrayMap extends BpfMap {
    private final AtomicReferenceArray<VmProgram> programs;
    private final java.util.function.IntFunction<VmProgram> byId;

    public ProgArrayMap(MapSpec spec, SharedRegions shared, java.util.function.IntFunction<VmProgram> byId) {
        super(spec, shared);
        this.programs = new AtomicReferenceArray<>(Math.max(0, spec.maxEntries()));
        this.byId = byId;
    }

    /** Puts {@code program} at {@code index} (null clears it). */
    public void set(int index, VmProgram program) {
        if (index < 0 || index >= maxEntries()) {
            throw new BpfMapException(Errno.E2BIG, "index " + index + " outside prog array '" + name() + "'");
        }
        programs.set(index, program);
    }

    /** The program at {@code index}, or null; what {@code bpf_tail_call} jumps to. */
    public VmProgram get(long index) {
        return index < 0 || index >= maxEntries() ? null : programs.get((int) index);
    }

    @Override
    public byte[] lookup(byte[] key) {
        checkKey(key);
        VmProgram p = get(Bytes.toLong(key, 0, 4));
        return p == null ? null : Bytes.u32(p.id());
    }

    @Override
    public List<byte[]> keys() {
        List<byte[]> out = list();
        for (int i = 0; i < maxEntries(); i++) {
            if (programs.get(i) != null) {
                out.add(Bytes.u32(i));
            }
        }
        return out;
    }

    @Override
    protected long updateFromJava(byte[] key, byte[] value, long flags) {
        checkValue(value, 4);
        long i = Bytes.toLong(key, 0, 4);
        if (i >= maxEntries()) {
            return -Errno.E2BIG;
        }
        VmProgram p = byId.apply((int) Bytes.toLong(value, 0, 4));
        if (p == null) {
            return -Errno.EBADF;
        }
        programs.set((int) i, p);
        return 0;
    }

    @Override
    protected long deleteFromJava(byte[] key) {
        long i = Bytes.toLong(key, 0, 4);
        if (i >= maxEntries()) {
            return -Errno.E2BIG;
        }
        return programs.getAndSet((int) i, null) == null ? -Errno.ENOENT : 0;
    }
}
