package dev.ebpf4j.vm.interp;

import java.util.concurrent.atomic.AtomicReferenceArray;

import dev.ebpf4j.vm.BpfVm;

/**
 * Idle {@link Execution}s of one program kept for its next runs, so a run does not build an address space, stack
 * frames and context memory again. A few slots chosen by thread id; a thread takes the execution out of its slot
 * (atomically, so no two threads ever share one) and puts it back when its runs are over. When the slot is empty (another
 * thread of the same slot is running, or a run started inside a run) a fresh execution is made, and the one put
 * back last stays.
 */
public final class ExecutionPool {
    private static final int SLOTS = 8;

    private final BpfVm vm;
    private final AtomicReferenceArray<Execution> idle = new AtomicReferenceArray<>(SLOTS);

    public ExecutionPool(BpfVm vm) {
        this.vm = vm;
    }

    private static int slot() {
        return (int) Thread.currentThread().threadId() & (SLOTS - 1);
    }

    /** An execution no other thread uses until it is {@link #release}d. */
    public Execution acquire() {
        Execution ex = idle.getAndSet(slot(), null);
        return ex != null ? ex : new Execution(vm);
    }

    /** Gives {@code ex} back for later runs; the caller must not use it afterwards. */
    public void release(Execution ex) {
        ex.idle();
        idle.setRelease(slot(), ex);
    }
}
