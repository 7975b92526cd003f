package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;

/** BPF_PROG_LOAD's EAGAIN retry (libbpf's rule) with scripted results in place of the kernel. */
class RetryTest {
    static final long EAGAIN = -Errno.EAGAIN.number();

    static long[] run(List<Long> script, int attempts) {
        Deque<Long> results = new ArrayDeque<>(script);
        int[] calls = {0};
        long r = Bpf.retryOnEagain(() -> {
            calls[0]++;
            return results.removeFirst();
        }, attempts);
        return new long[] {r, calls[0]};
    }

    @Test
    void eagainIsRetriedUntilSuccess() {
        long[] r = run(List.of(EAGAIN, EAGAIN, 7L), 5);
        assertEquals(7, r[0]);
        assertEquals(3, r[1]);
    }

    @Test
    void otherErrorsAreNotRetried() {
        long[] r = run(List.of(-13L, 7L), 5);
        assertEquals(-13, r[0]);
        assertEquals(1, r[1]);
    }

    @Test
    void retriesStopAfterTheLimit() {
        long[] r = run(List.of(EAGAIN, EAGAIN, EAGAIN, EAGAIN, EAGAIN, 7L), Bpf.PROG_LOAD_ATTEMPTS);
        assertEquals(EAGAIN, r[0]);
        assertEquals(5, r[1]);
    }
}
