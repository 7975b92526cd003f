package dev.ebpf4j.vm.maps;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: {@code bpf_perf_event_output} sends a sample to the slot of a
 * CPU; here every slot is open and samples go to {@link #subscribe subscribers} or a queue that
 * {@link #poll()} drains.
 */
public final class PerfEventArrayMap extends BpfMap {
    /** {@code BPF_F_CURRENT_CPU}: the index meaning the running CPU. */
    public static final long BPF_F_CURRENT_CPU = 0xffff_ffffL;

    /** A sample: the CPU slot it was sent to and its bytes. */
    public record Sample(int cpu, byte[] data) {}

    private final ConcurrentLinkedQueue<Sample> queue = new ConcurrentLinkedQueue<>();
    private final List<Consumer<Sample>> subscribers = new CopyOnWriteArrayList<>();
    private final int slots;

    public PerfEventArrayMap(MapSpec spec, SharedRegions shared, int cpus) {
        super(spec, shared);
        this.slots = spec.maxEntries() > 0 ? spec.maxEntries() : cpus;
    }

    /** Sends {@code data} to slot {@code index} ({@link #BPF_F_CURRENT_CPU} = {@code cpu}); 0 or a negative errno. */
    public long output(long index, int cpu, byte[] data) {
        long slot = index == BPF_F_CURRENT_CPU ? cpu : index;
        if (slot < 0 || slot >= slots) {
            return -Errno.E2BIG;
        }
        Sample s = new Sample((int) slot, data);
        if (subscribers.isEmpty()) {
            queue.add(s);
        } else {
            for (Consumer<Sample> c : subscribers) {
                c.accept(s);
            }
        }
        return 0;
    }

    public void subscribe(Consumer<Sample> consumer) {
        subscribers.add(consumer);
    }

    public void unsubscribe(Consumer<Sample> consumer) {
        subscribers.remove(consumer);
    }

    /** The oldest queued sample, or null. */
    public Sample poll() {
        return queue.poll();
    }

    public List<Sample> drain() {
        List<Sample> out = new ArrayList<>();
        for (Sample s; (s = poll()) != null; ) {
            out.add(s);
        }
        return out;
    }

    @Override
    public byte[] lookup(byte[] key) {
        return null;
    }

    @Override
    public List<byte[]> keys() {
        return List.of();
    }

    @Override
    protected long updateFromJava(byte[] key, byte[] value, long flags) {
        return -Errno.ENOTSUPP;
    }

    @Override
    protected long deleteFromJava(byte[] key) {
        return -Errno.ENOTSUPP;
    }
}
