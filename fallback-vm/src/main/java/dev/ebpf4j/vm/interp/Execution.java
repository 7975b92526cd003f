package dev.ebpf4j.vm.interp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.helpers.HelperContext;
import dev.ebpf4j.vm.helpers.HelperTable;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.RingBufMap;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;

/**
 * The state of one run: its address space, stack frames, instruction budget, tail call count and
 * context. Helpers see it as their {@link HelperContext}. One thread, one run.
 */
public final class Execution implements HelperContext {
    /** {@code MAX_CALL_FRAMES}: the entry function plus 7 nested calls (callbacks count too). */
    public static final int MAX_FRAMES = 8;
    /** {@code MAX_BPF_STACK}: bytes of stack per frame. */
    public static final int STACK_SIZE = 512;
    /** {@code MAX_TAIL_CALL_CNT}. */
    public static final int MAX_TAIL_CALLS = 33;
    /** {@code BPF_MAX_LOOPS}: how often {@code may_goto} falls through before it jumps. */
    public static final long MAY_GOTO_LOOPS = 8L * 1024 * 1024;

    final BpfVm vm;
    final AddressSpace memory;
    final HelperTable helpers;
    int cpu;
    long budget;
    VmProgram program;
    ContextInstance context;
    long executed;
    int depth = -1;
    int tailCalls;
    VmProgram pendingTailCall;
    long mayGoto = MAY_GOTO_LOOPS;
    private final Region[] frames = new Region[MAX_FRAMES];
    /** The memory behind each frame (zeroed with Arrays.fill, which is much cheaper than filling the segment). */
    private final long[][] frameWords = new long[MAX_FRAMES][];
    private List<Object> reservations;
    /** Bit d: frame d was entered by code that may write it since the last {@link #start}; zeroed before the next run. */
    private int dirtyFrames;
    /** What {@link #context} was bound from, and the address space's mark after its regions. */
    private ProgramContext boundFrom;
    private int contextMark;

    public Execution(BpfVm vm, VmProgram program, int cpu, long budget) {
        this.vm = vm;
        this.memory = new AddressSpace(vm.sharedRegions());
        this.helpers = vm.helpers();
        this.program = program;
        this.cpu = cpu;
        this.budget = budget;
    }

    /** An execution for runs in {@code vm}; {@link #start} prepares each run. */
    public Execution(BpfVm vm) {
        this(vm, null, 0, vm.options().instructionBudget());
    }

    /** Binds the run's context; returns it. */
    public ContextInstance bind(ProgramContext ctx) {
        boundFrom = null;
        memory.release(AddressSpace.FRAME_SLOTS);
        this.context = ctx.bind(memory);
        boundFrom = ctx;
        contextMark = memory.mark();
        return context;
    }

    /**
     * Prepares this execution for a new run of {@code program} on {@code ctx}, as a fresh one would be: counters
     * and frames reset, stack frames zeroed, regions of the previous run unmapped. The address space, the stack
     * memory and, when {@code ctx} is the context of the previous run (the same object), its bound instance with
     * its memory are reused ({@link ContextInstance#reset()} restores the initial packet and fields); otherwise
     * {@code ctx} is bound afresh. Returns the bound context.
     */
    public ContextInstance start(VmProgram program, int cpu, long budget, ProgramContext ctx) {
        this.program = program;
        this.cpu = cpu;
        this.budget = budget;
        executed = 0;
        depth = -1;
        tailCalls = 0;
        pendingTailCall = null;
        mayGoto = MAY_GOTO_LOOPS;
        reservations = null;
        for (int dirty = dirtyFrames; dirty != 0; dirty &= dirty - 1) {
            Arrays.fill(frameWords[Integer.numberOfTrailingZeros(dirty)], 0L);
        }
        dirtyFrames = 0;
        if (ctx == boundFrom && context != null && context.reset()) {
            memory.release(contextMark);
            return context;
        }
        return bind(ctx);
    }

    /**
     * Unmaps what the last run mapped beyond its context (map values, ring buffer records), so an idle execution
     * keeps no map entry alive; the bound context and the frames stay for the next {@link #start}.
     */
    public void idle() {
        if (boundFrom != null) {
            memory.release(contextMark);
        }
        pendingTailCall = null;
    }

    /** Instructions executed so far. */
    public long executed() {
        return executed;
    }

    // ---- for code compiled by dev.ebpf4j.vm.jit (it runs with this state, as the interpreter does) ----

    /** Instructions this run may execute. */
    public long budget() {
        return budget;
    }

    /** Sets the count of executed instructions (compiled code counts in a local and writes it back at calls and exits). */
    public void executed(long n) {
        executed = n;
    }

    /** Frames in use minus one (-1 outside any function). */
    public int depth() {
        return depth;
    }

    /** Drops frames above {@code d} after a fault or an early exit. */
    public void unwindTo(int d) {
        depth = d;
    }

    /** True when the last helper call asked for a tail call ({@link #takeTailCall()} switches to it). */
    public boolean tailCallPending() {
        return pendingTailCall != null;
    }

    /** The tail call target the last helper call set, now the running program; null when there is none. */
    public VmProgram takeTailCall() {
        VmProgram next = pendingTailCall;
        if (next != null) {
            pendingTailCall = null;
            program = next;
        }
        return next;
    }

    /** {@code may_goto}: false while the loop allowance lasts (and counts it down), then true (take the jump). */
    public boolean mayGotoJumps() {
        if (mayGoto > 0) {
            mayGoto--;
            return false;
        }
        return true;
    }

    /** Pushes a stack frame and returns the address of its top (r10). */
    public long enterFrame() {
        long top = enterCleanFrame();
        dirtyFrames |= 1 << depth;
        return top;
    }

    /**
     * Pushes a stack frame for a function that never writes it (compiled code that does not mention r10, so no
     * pointer into the frame can exist): the frame is not zeroed again before the next run. Returns r10.
     */
    public long enterCleanFrame() {
        if (depth + 1 >= MAX_FRAMES) {
            throw new BpfRuntimeException("call stack too deep: more than " + MAX_FRAMES + " frames");
        }
        depth++;
        Region f = frames[depth];
        if (f == null) {
            long[] words = new long[STACK_SIZE / 8];
            f = memory.mapFrame(depth, "stack frame " + depth, MemorySegment.ofArray(words));
            frames[depth] = f;
            frameWords[depth] = words;
        }
        return f.address(STACK_SIZE);
    }

    /** Pops the frame {@link #enterFrame()} pushed. */
    public void leaveFrame() {
        depth--;
    }

    /** Discards ring buffer records the program reserved and neither submitted nor discarded. */
    public int releaseReservations() {
        int n = 0;
        if (reservations != null) {
            for (Object o : reservations) {
                if (o instanceof RingBufMap.Reservation r && !r.done()) {
                    r.discard();
                    n++;
                }
            }
            reservations = null;
        }
        return n;
    }

    @Override
    public AddressSpace memory() {
        return memory;
    }

    @Override
    public BpfVm vm() {
        return vm;
    }

    @Override
    public VmProgram program() {
        return program;
    }

    @Override
    public int cpu() {
        return cpu;
    }

    @Override
    public ContextInstance context() {
        return context;
    }

    @Override
    public BpfMap map(long address) {
        Region r = memory.region(address);
        if (r == null || r.kind() != Region.Kind.MAP_HANDLE || AddressSpace.offset(address) != 0
                || !(r.owner() instanceof BpfMap m)) {
            throw new BpfRuntimeException(String.format("0x%x is not a map (expected a map loaded by lddw or from a map of maps)%s",
                    address, r == null ? "" : "; it points into the " + r));
        }
        return m;
    }

    @Override
    public long callFunction(long functionAddress, long r1, long r2, long r3, long r4, long r5) {
        Region r = memory.region(functionAddress);
        long off = AddressSpace.offset(functionAddress);
        if (r == null || r.kind() != Region.Kind.CODE || !(r.owner() instanceof Code code) || off < 0 || (off & 7) != 0
                || off / 8 >= code.length || code.op[(int) (off / 8)] == Code.SECOND_SLOT) {
            throw new BpfRuntimeException(String.format("0x%x is not a function address", functionAddress));
        }
        return Interpreter.execute(this, code, (int) (off / 8), r1, r2, r3, r4, r5);
    }

    @Override
    public boolean tailCall(VmProgram target) {
        if (tailCalls >= MAX_TAIL_CALLS) {
            return false;
        }
        tailCalls++;
        pendingTailCall = target;
        return true;
    }

    @Override
    public void track(Object reservation) {
        if (reservations == null) {
            reservations = new ArrayList<>();
        }
        reservations.add(reservation);
    }
}
