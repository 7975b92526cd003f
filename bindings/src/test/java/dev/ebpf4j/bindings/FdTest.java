package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The descriptor rules with a fake in place of fcntl/close. */
class FdTest {
    /** Hands out numbers from {@code next} up and records every call. */
    static final class FakeOps implements Fd.Ops {
        final List<String> calls = new ArrayList<>();
        int next;
        RuntimeException dupFailure;

        FakeOps(int next) {
            this.next = next;
        }

        @Override
        public int dupAtLeast(int fd, int min) {
            calls.add("dup " + fd + " >= " + min);
            if (dupFailure != null) {
                throw dupFailure;
            }
            return Math.max(next++, min);
        }

        @Override
        public void close(int fd) {
            calls.add("close " + fd);
        }
    }

    @Test
    void aDescriptorFromThreeUpIsKeptAsItIs() {
        FakeOps ops = new FakeOps(10);
        Fd fd = Fd.adopt(3, ops);
        assertEquals(3, fd.raw());
        assertEquals(List.of(), ops.calls);
    }

    @Test
    void stdinStdoutAndStderrNumbersAreMovedUpAndTheOriginalClosed() {
        for (int low = 0; low <= 2; low++) {
            FakeOps ops = new FakeOps(7);
            Fd fd = Fd.adopt(low, ops);
            assertEquals(7, fd.raw());
            assertEquals(List.of("dup " + low + " >= 3", "close " + low), ops.calls);
        }
    }

    @Test
    void whenMovingUpFailsTheOriginalIsClosedAndTheFailureThrown() {
        FakeOps ops = new FakeOps(7);
        ops.dupFailure = new SyscallException("fcntl", Errno.EMFILE.number());
        SyscallException e = assertThrows(SyscallException.class, () -> Fd.adopt(1, ops));
        assertSame(ops.dupFailure, e);
        assertEquals(List.of("dup 1 >= 3", "close 1"), ops.calls);
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsRefused() {
        FakeOps ops = new FakeOps(9);
        Fd fd = Fd.adopt(5, ops);
        assertTrue(fd.isOpen());
        assertEquals("Fd[5]", fd.toString());
        fd.close();
        fd.close();
        assertEquals(List.of("close 5"), ops.calls);
        assertFalse(fd.isOpen());
        assertEquals("Fd[closed]", fd.toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, fd::raw);
        assertEquals("file descriptor already closed", e.getMessage());
        assertThrows(IllegalStateException.class, fd::dup);
    }

    @Test
    void dupIsASeparatelyOwnedDescriptorFromThreeUp() {
        FakeOps ops = new FakeOps(12);
        Fd fd = Fd.adopt(4, ops);
        Fd copy = fd.dup();
        assertEquals(12, copy.raw());
        assertNotEquals(fd.raw(), copy.raw());
        fd.close();
        assertTrue(copy.isOpen());
        copy.close();
        assertEquals(List.of("dup 4 >= 3", "close 4", "close 12"), ops.calls);
    }

    @Test
    void negativeNumbersAreNotDescriptors() {
        assertThrows(IllegalArgumentException.class, () -> Fd.adopt(-1, new FakeOps(3)));
    }
}
