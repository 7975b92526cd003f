package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.vm.verifier.AbstractState.INVALID;
import static dev.ebpf4j.vm.verifier.AbstractState.MISC;
import static dev.ebpf4j.vm.verifier.AbstractState.SPILL;

import java.util.Map;
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

    static boolean covers(AbstractState old, AbstractState cur) {
        if (old.frames.length != cur.frames.length || old.ctx != cur.ctx || !old.refs.equals(cur.refs)) {
            return false;
        }
        // every packet range the old state relied on must hold at least as far in the new one
        for (Map.Entry<Integer, Long> e : old.pkt.entrySet()) {
            Long r = cur.pkt.get(e.getKey());
            if (r == null || r < e.getValue()) {
                return false;
            }
        }
        for (int i = 0; i < old.frames.length; i++) {
            if (!covers(old.frames[i], cur.frames[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean covers(Frame old, Frame cur) {
        if (old.func != cur.func || old.callsite != cur.callsite || old.callback != cur.callback) {
            return false;
        }
        for (int r = 0; r < old.regs.length; r++) {
            if (!covers(old.regs[r], cur.regs[r])) {
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

    /** Whether every use of {@code cur} the verifier allows is allowed for {@code old}, with the same or a wider result. */
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
            return Long.compareUnsigned(old.umin(), cur.umin()) <= 0 && Long.compareUnsigned(cur.umax(), old.umax()) <= 0;
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
