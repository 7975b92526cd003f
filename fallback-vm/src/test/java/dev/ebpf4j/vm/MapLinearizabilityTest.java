package dev.ebpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.BpfMapException;
import dev.ebpf4j.vm.maps.Bytes;

/**
 * The fallback VM's hash maps are linearizable for single operations: threads race lookups, updates (with
 * {@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST}) and deletes on one key, each operation's call and return
 * times are recorded, and a search (Wing and Gong's, with memoisation) must find an order of the operations that
 * respects real time and explains every result with a sequential map. Per-CPU values are written as a whole, so a
 * lookup must never see slots from two different updates.
 */
class MapLinearizabilityTest {
    private static final int CPUS = 64; // wide per-CPU values: a torn copy is likelier to show
    private static final int THREADS = 3;
    private static final int OPS_PER_THREAD = 4;
    private static final int ROUNDS = 1000;
    private static final byte[] KEY = Bytes.u32(7);

    enum Kind { LOOKUP, UPDATE_ANY, UPDATE_NOEXIST, UPDATE_EXIST, DELETE }

    /**
     * One operation of a history: what was called with which value, when, and what it returned (a value id, -1 for
     * absent or a failure's negative errno, 1/0 for a delete's found/not found).
     */
    record Op(Kind kind, long value, long start, long end, long result) {}

    @ParameterizedTest
    @EnumSource(value = MapType.class, names = {"HASH", "PERCPU_HASH", "LRU_HASH", "LRU_PERCPU_HASH", "ARRAY",
        "PERCPU_ARRAY"})
    void everyRacedHistoryHasALinearization(MapType type) throws Exception {
        BpfVm vm = new BpfVm(VmOptions.defaults().withPossibleCpus(CPUS));
        boolean perCpu = type == MapType.PERCPU_HASH || type == MapType.LRU_PERCPU_HASH || type == MapType.PERCPU_ARRAY;
        // array elements always exist (value 0 at first) and cannot be deleted
        boolean array = type == MapType.ARRAY || type == MapType.PERCPU_ARRAY;
        Random random = new Random(0x11_1ea7L + type.ordinal());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            int checked = 0;
            for (int round = 0; round < ROUNDS; round++) {
                BpfMap map = vm.createMap(MapsTest.spec("lin" + round, type, 4, 8, 16));
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<List<Op>>> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = random.nextLong();
                    int thread = t;
                    threads.add(pool.submit(() -> run(map, perCpu, array, new Random(seed), thread, start)));
                }
                List<Op> history = new ArrayList<>();
                for (Future<List<Op>> f : threads) {
                    history.addAll(f.get());
                }
                if (!linearizable(history, array ? 0 : -1)) {
                    fail(type + ", round " + round + ": no sequential order explains " + history);
                }
                checked += history.size();
            }
            assertEquals(ROUNDS * THREADS * OPS_PER_THREAD, checked);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One thread's operations on {@link #KEY}; update values are unique per thread and operation. */
    private static List<Op> run(BpfMap map, boolean perCpu, boolean array, Random random, int thread,
                                CyclicBarrier start) throws Exception {
        List<Op> ops = new ArrayList<>();
        start.await();
        for (int i = 0; i < OPS_PER_THREAD; i++) {
            Kind kind = Kind.values()[random.nextInt(Kind.values().length - (array ? 1 : 0))]; // DELETE is last
            long value = 1 + thread * 100L + i;
            long t0 = System.nanoTime();
            long result = switch (kind) {
                case LOOKUP -> decode(map.lookup(KEY), perCpu);
                case UPDATE_ANY -> update(map, value, BpfMap.BPF_ANY, perCpu);
                case UPDATE_NOEXIST -> update(map, value, BpfMap.BPF_NOEXIST, perCpu);
                case UPDATE_EXIST -> update(map, value, BpfMap.BPF_EXIST, perCpu);
                case DELETE -> map.delete(KEY) ? 1 : 0;
            };
            ops.add(new Op(kind, value, t0, System.nanoTime(), result));
        }
        return ops;
    }

    private static long update(BpfMap map, long value, long flags, boolean perCpu) {
        ByteBuffer b = ByteBuffer.allocate(perCpu ? 8 * CPUS : 8).order(ByteOrder.nativeOrder());
        while (b.hasRemaining()) {
            b.putLong(value);
        }
        try {
            map.update(KEY, b.array(), flags);
            return 0;
        } catch (BpfMapException e) {
            return -e.errno();
        }
    }

    /** The value id a lookup saw, -1 when absent; a per-CPU value must hold one update's value in every slot. */
    private static long decode(byte[] bytes, boolean perCpu) {
        if (bytes == null) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        long first = b.getLong(0);
        if (perCpu) {
            assertEquals(8 * CPUS, bytes.length);
            for (int cpu = 1; cpu < CPUS; cpu++) {
                assertEquals(first, b.getLong(cpu * 8), "a lookup saw slots of two updates (torn per-CPU value)");
            }
        }
        return first;
    }

    /** Whether some order of {@code history}, consistent with real time, explains every result. */
    static boolean linearizable(List<Op> history) {
        return linearizable(history, -1);
    }

    /** The same, from a key that holds value id {@code initial} (-1: absent). */
    static boolean linearizable(List<Op> history, long initial) {
        return search(history, 0L, initial, new HashSet<>());
    }

    /** {@code done}: bit set of the operations placed; {@code state}: the key's value id, -1 when absent. */
    private static boolean search(List<Op> ops, long done, long state, Set<String> failed) {
        if (Long.bitCount(done) == ops.size()) {
            return true;
        }
        if (!failed.add(done + ":" + state)) {
            return false;
        }
        // an operation can go next only if no other pending operation returned before it was called
        long earliestEnd = Long.MAX_VALUE;
        for (int i = 0; i < ops.size(); i++) {
            if ((done & (1L << i)) == 0) {
                earliestEnd = Math.min(earliestEnd, ops.get(i).end());
            }
        }
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if ((done & (1L << i)) != 0 || op.start() > earliestEnd) {
                continue;
            }
            long next = apply(op, state);
            if (next != Long.MIN_VALUE && search(ops, done | (1L << i), next, failed)) {
                return true;
            }
        }
        return false;
    }

    private static final int EEXIST = 17;
    private static final int ENOENT = 2;

    /** The state after {@code op} on a sequential map in {@code state}; MIN_VALUE when its result is impossible. */
    private static long apply(Op op, long state) {
        boolean present = state != -1;
        return switch (op.kind()) {
            case LOOKUP -> op.result() == state ? state : Long.MIN_VALUE;
            case DELETE -> op.result() == (present ? 1 : 0) ? -1 : Long.MIN_VALUE;
            case UPDATE_ANY -> op.result() == 0 ? op.value() : Long.MIN_VALUE;
            case UPDATE_NOEXIST -> present ? (op.result() == -EEXIST ? state : Long.MIN_VALUE)
                    : (op.result() == 0 ? op.value() : Long.MIN_VALUE);
            case UPDATE_EXIST -> present ? (op.result() == 0 ? op.value() : Long.MIN_VALUE)
                    : (op.result() == -ENOENT ? state : Long.MIN_VALUE);
        };
    }

    /** The checker itself: it accepts a sequential history and refuses a lookup of a value never written. */
    @org.junit.jupiter.api.Test
    void theCheckerTellsPossibleFromImpossible() {
        List<Op> ok = List.of(new Op(Kind.UPDATE_ANY, 5, 0, 1, 0), new Op(Kind.LOOKUP, 0, 2, 3, 5),
                new Op(Kind.DELETE, 0, 4, 5, 1), new Op(Kind.LOOKUP, 0, 6, 7, -1));
        assertTrue(linearizable(ok));
        // the lookup returned after the update returned, so it cannot have seen the map empty
        List<Op> stale = List.of(new Op(Kind.UPDATE_ANY, 5, 0, 1, 0), new Op(Kind.LOOKUP, 0, 2, 3, -1));
        assertTrue(!linearizable(stale));
        // overlapping in time, either order is allowed
        List<Op> overlap = List.of(new Op(Kind.UPDATE_ANY, 5, 0, 10, 0), new Op(Kind.LOOKUP, 0, 2, 3, -1));
        assertTrue(linearizable(overlap));
        List<Op> twoCreates = List.of(new Op(Kind.UPDATE_NOEXIST, 5, 0, 10, 0), new Op(Kind.UPDATE_NOEXIST, 6, 0, 10, 0));
        assertTrue(!linearizable(twoCreates), "two NOEXIST creations of one key cannot both succeed");
    }
}
