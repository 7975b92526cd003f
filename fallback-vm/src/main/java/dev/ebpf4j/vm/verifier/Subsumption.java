package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.vm.verifier.AbstractState.INVALID;
import static dev.ebpf4j.vm.verifier.AbstractState.MISC;
import static dev.ebpf4j.vm.verifier.AbstractState.SPILL;

import java.util.Objects;

import dev.ebpf4j.vm.verifier.AbstractState.Frame;
import dev.ebpf4j.vm.verifier.Reg.Type;

/**
 * State pruning, after the kernel's {@code states_equal}: an old state covers a new one at the same instruction when
 * every check that passes for the old one passes for the new one, so exploring the new one cannot find anything new.
 * Every rule errs on "not covered" (which only costs exploration time).
 */
final class Subsumption {
    private Subsumption() {}

    /** R6-R9: what a caller frame still holds when its callee returns (R0 is the result, R1-R5 are clobbered). */
    private static final int CALLEE_SAVED = 0b1111000000;
    private static final int FP = 1 << 10;

    /**
     * Whether {@code old} covers {@code cur} at instruction {@code pc}; registers that {@code live} says no path
     * reads again are not compared.
     */
    static boolean covers(AbstractState old, AbstractState cur, Liveness live, int pc) {
        if (old.frames.length != cur.frames.length || old.ctx != cur.ctx || !old.refs.equals(cur.refs)) {
            return false;
        }
        int top = old.frames.length - 1;
        for (int i = 0; i <= top; i++) {
            int mask = liveMask(old, i, live, pc);
            if (!covers(old.frames[i], cur.frames[i], mask)) {
                return false;
            }
        }
        // the packet ranges the old paths can use: those of the packet pointers it holds in live registers or
        // spilled (a later load of data starts a base of its own, see Analyzer.freshPacketBase)
        for (int i = 0; i <= top; i++) {
            Frame f = old.frames[i];
            int mask = liveMask(old, i, live, pc);
            for (int r = 0; r < f.regs.length; r++) {
                if ((mask & (1 << r)) != 0 && !rangeHolds(old, cur, f.regs[r])) {
                    return false;
                }
            }
            for (int slot = 0; slot < f.spills.length; slot++) {
                if (f.spills[slot] != null && f.stack[slot * 8] == SPILL && !rangeHolds(old, cur, f.spills[slot])) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The registers of frame {@code i} that later instructions may read: the top frame's live registers at
     * {@code pc}; a caller's R6-R9 live where its callee returns. Below a callback frame, every register: the helper
     * calls the callback again with one of them (its context argument) as R2.
     */
    private static int liveMask(AbstractState s, int i, Liveness live, int pc) {
        int top = s.frames.length - 1;
        if (i == top) {
            return live.liveIn[pc] | FP;
        }
        AbstractState.Frame callee = s.frames[i + 1];
        if (callee.callback) {
            return -1;
        }
        return (live.liveIn[callee.callsite + 1] & CALLEE_SAVED) | FP;
    }

    /** For a packet pointer of the old state: the new state knows at least as long a range for its base. */
    private static boolean rangeHolds(AbstractState old, AbstractState cur, Reg r) {
        if (r.type() != Type.PACKET) {
            return true;
        }
        Long want = old.pkt.get(r.id());
        if (want == null) {
            return true;
        }
        Long have = cur.pkt.get(r.id());
        return have != null && have >= want;
    }

    private static boolean covers(Frame old, Frame cur, int liveRegs) {
        if (old.func != cur.func || old.callsite != cur.callsite || old.callback != cur.callback) {
            return false;
        }
        for (int r = 0; r < old.regs.length; r++) {
            if ((liveRegs & (1 << r)) != 0 && !covers(old.regs[r], cur.regs[r])) {
                return false;
            }
        }
        if (old.stack == cur.stack && old.spills == cur.spills) {
            return true;
        }
        for (int slot = 0; slot < old.spills.length; slot++) {
            int at = slot * 8;
            boolean oldSpill = old.stack[at] == SPILL && old.spills[slot] != null;
            boolean curSpill = cur.stack[at] == SPILL && cur.spills[slot] != null;
            if (oldSpill) {
                // a fill gives the old spilled value: the new slot must hold a value it covers
                if (!curSpill || !covers(old.spills[slot], cur.spills[slot])) {
                    return false;
                }
                continue;
            }
            for (int i = at; i < at + 8; i++) {
                byte o = old.stack[i];
                if (o == INVALID) {
                    continue; // never read on the old paths
                }
                byte c = cur.stack[i];
                // old MISC: reads give an unknown scalar; a new spilled scalar is a narrower one, a spilled pointer is
                // not readable in parts
                boolean ok = o == MISC && (c == MISC || (c == SPILL && cur.spills[slot] != null
                        && cur.spills[slot].isScalar()));
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether every use of {@code cur} the verifier allows is allowed for {@code old}, with the same or a wider one. */
    static boolean covers(Reg old, Reg cur) {
        if (old.equals(cur) || old.type() == Type.NOT_INIT) {
            return true; // a register the old paths never read (or they would have failed)
        }
        if (cur.type() == Type.NOT_INIT) {
            return false;
        }
        if (old.type() == Type.MIXED) {
            // only moved, spilled, compared or passed as "anything" on the old paths; a stack pointer may not be
            // returned or spilled into a caller's frame, which "mixed" may
            return cur.type() != Type.STACK;
        }
        if (old.type() != cur.type()) {
            return false;
        }
        if (old.type() == Type.SCALAR) {
            return Long.compareUnsigned(old.umin(), cur.umin()) <= 0
                    && Long.compareUnsigned(cur.umax(), old.umax()) <= 0;
        }
        if (old.frame() != cur.frame() || old.func() != cur.func() || old.size() != cur.size() || old.id() != cur.id()
                || !Objects.equals(old.map(), cur.map())) {
            return false;
        }
        if (old.type() == Type.PACKET && Long.compareUnsigned(cur.umax(), old.umax()) > 0) {
            return false; // a larger variable part since the packet base
        }
        return old.lo() <= cur.lo() && cur.hi() <= old.hi();
    }
}
