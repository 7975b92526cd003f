package dev.ebpf4j.vm.verifier;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The abstract machine state at one instruction: the call frames, packet ranges and held references. */
final class AbstractState {
    static final int STACK_SIZE = 512;
    static final byte INVALID = 0;
    static final byte MISC = 1;
    static final byte SPILL = 2;

    /** One call frame: registers and a 512-byte stack with per-byte initialisation and 8-byte spill slots. */
    static final class Frame {
        Reg[] regs;
        byte[] stack;
        Reg[] spills;
        final int func;
        final int callsite;
        final boolean callback;
        private boolean shared;

        Frame(int func, int callsite, boolean callback) {
            this.regs = new Reg[11];
            Arrays.fill(regs, Reg.NOT_INIT);
            this.stack = new byte[STACK_SIZE];
            this.spills = new Reg[STACK_SIZE / 8];
            this.func = func;
            this.callsite = callsite;
            this.callback = callback;
        }

        private Frame(Frame o) {
            this.regs = o.regs.clone();
            this.stack = o.stack;
            this.spills = o.spills;
            this.func = o.func;
            this.callsite = o.callsite;
            this.callback = o.callback;
            this.shared = true;
            o.shared = true; // copy on write on both sides: either may be written next
        }

        Frame copy() {
            return new Frame(this);
        }

        /** Makes the stack arrays private to this frame before a write. */
        void own() {
            if (shared) {
                stack = stack.clone();
                spills = spills.clone();
                shared = false;
            }
        }

        boolean sameAs(Frame o) {
            return func == o.func && callsite == o.callsite && callback == o.callback && Arrays.equals(regs, o.regs)
                    && (stack == o.stack || Arrays.equals(stack, o.stack))
                    && (spills == o.spills || Arrays.equals(spills, o.spills));
        }

        Frame join(Frame o, boolean widen, Widening w) {
            Frame r = new Frame(func, callsite, callback);
            for (int i = 0; i < regs.length; i++) {
                r.regs[i] = w.apply(regs[i], o.regs[i], widen);
            }
            for (int slot = 0; slot < spills.length; slot++) {
                boolean spillA = spills[slot] != null && stack[slot * 8] == SPILL;
                boolean spillB = o.spills[slot] != null && o.stack[slot * 8] == SPILL;
                if (spillA && spillB) {
                    Reg j = w.apply(spills[slot], o.spills[slot], widen);
                    if (j.type() != Reg.Type.NOT_INIT) {
                        r.spills[slot] = j;
                        Arrays.fill(r.stack, slot * 8, slot * 8 + 8, SPILL);
                        continue;
                    }
                }
                for (int i = slot * 8; i < slot * 8 + 8; i++) {
                    byte a = stack[i] == SPILL ? MISC : stack[i];
                    byte b = o.stack[i] == SPILL ? MISC : o.stack[i];
                    r.stack[i] = a == INVALID || b == INVALID ? INVALID : MISC;
                }
            }
            return r;
        }
    }

    /** How two register values combine at a join: plain join, or widening after repeated changes. */
    interface Widening {
        Reg apply(Reg old, Reg next, boolean widen);
    }

    Frame[] frames;
    int ctx;
    /** Packet range id -> bytes known to be inside the packet from that base. */
    TreeMap<Integer, Long> pkt;
    /** Acquired reference id -> slot of the instruction that acquired it. */
    TreeMap<Integer, Integer> refs;

    AbstractState(Frame[] frames, int ctx, TreeMap<Integer, Long> pkt, TreeMap<Integer, Integer> refs) {
        this.frames = frames;
        this.ctx = ctx;
        this.pkt = pkt;
        this.refs = refs;
    }

    Frame top() {
        return frames[frames.length - 1];
    }

    AbstractState copy() {
        Frame[] f = new Frame[frames.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = frames[i].copy();
        }
        return new AbstractState(f, ctx, new TreeMap<>(pkt), new TreeMap<>(refs));
    }

    boolean sameAs(AbstractState o) {
        if (frames.length != o.frames.length || ctx != o.ctx || !pkt.equals(o.pkt) || !refs.equals(o.refs)) {
            return false;
        }
        for (int i = 0; i < frames.length; i++) {
            if (!frames[i].sameAs(o.frames[i])) {
                return false;
            }
        }
        return true;
    }

    /** Least upper bound (states at the same instruction always have the same frames). */
    AbstractState join(AbstractState o, boolean widen, Widening w) {
        Frame[] f = new Frame[frames.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = frames[i].join(o.frames[i], widen, w);
        }
        TreeMap<Integer, Long> p = new TreeMap<>();
        for (Map.Entry<Integer, Long> e : pkt.entrySet()) {
            Long other = o.pkt.get(e.getKey());
            if (other != null) {
                p.put(e.getKey(), Math.min(e.getValue(), other));
            }
        }
        TreeMap<Integer, Integer> r = new TreeMap<>(refs);
        for (Map.Entry<Integer, Integer> e : o.refs.entrySet()) {
            r.merge(e.getKey(), e.getValue(), Math::min);
        }
        return new AbstractState(f, ctx, p, r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AbstractState s && sameAs(s);
    }

    @Override
    public int hashCode() {
        return Objects.hash(frames.length, ctx);
    }
}
