package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class ClockTest {
    @Test
    void realtimeIsTheJavaClock() {
        long before = Instant.now().toEpochMilli();
        long real = Syscall.clockGettime(Syscall.CLOCK_REALTIME) / 1_000_000;
        long after = Instant.now().toEpochMilli();
        assertTrue(before - 5 <= real && real <= after + 5, before + " <= " + real + " <= " + after);
    }

    @Test
    void boottimeCountsAtLeastTheMonotonicTimeAndMoves() throws InterruptedException {
        long mono = Syscall.clockGettime(Syscall.CLOCK_MONOTONIC);
        long boot = Syscall.clockGettime(Syscall.CLOCK_BOOTTIME);
        assertTrue(boot >= mono, "boot " + boot + " < monotonic " + mono);
        Thread.sleep(20);
        long later = Syscall.clockGettime(Syscall.CLOCK_BOOTTIME);
        assertTrue(later - boot >= Duration.ofMillis(19).toNanos(), "moved " + (later - boot) + " ns");
    }

    @Test
    void unknownClockIsEinval() {
        SyscallException e = assertThrows(SyscallException.class, () -> Syscall.clockGettime(12345));
        assertTrue(e.is(Errno.EINVAL), e.getMessage());
        assertTrue(e.getMessage().contains("clock_gettime(12345)"), e.getMessage());
    }
}
