package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.verifier.AbstractState.INVALID;
import static dev.ebpf4j.vm.verifier.AbstractState.MISC;
import static dev.ebpf4j.vm.verifier.AbstractState.SPILL;
import static dev.ebpf4j.vm.verifier.AbstractState.STACK_SIZE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.disasm.ObjdumpDisassembler;
import dev.ebpf4j.object.insn.HelperFunctions;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.vm.verifier.AbstractState.Frame;
import dev.ebpf4j.vm.verifier.HelperProto.ArgKind;
import dev.ebpf4j.vm.verifier.Reg.Type;

/**
 * The dataflow pass: abstract interpretation of the program over {@link Reg} values, one joined state per
 * (instruction, call context), iterated to a fixed point with widening, under a budget of instruction visits.
 */
final class Analyzer {
    private static final long U32 = 0xffffffffL;
    /** Changes of the state at one instruction before its joins widen. */
    private static final int WIDEN_AFTER = 8;
    /**
     * Distinct states kept at one prune point before the states arriving there are joined: enough to unroll a loop
     * of a few thousand iterations (the kernel unrolls bounded loops too, within the same 1M instruction budget).
     */
    static final int MAX_STATES_PER_POINT = 4096;
    private static final int LOG_LIMIT = 200_000;
    private static final long MAX_PACKET_OFF = 0xffff;
    /** Loads through a task pointer must stay below this (the largest task the VM maps by default). */
    private static final long TASK_LIMIT = dev.ebpf4j.vm.KernelStruct.DEFAULT_TASK_SIZE;

    private final Structure st;
    private final VerifierOptions opt;
    private final StringBuilder log = new StringBuilder();
    final int[] stackDepth;
    /**
     * Per slot, what the plain loads and stores there went through in every state that reached them: {@link #SEEN_PACKET}
     * when only packet pointers, {@link #SEEN_OTHER} once anything else did, 0 while unvisited.
     */
    final byte[] accessSeen;
    static final byte SEEN_PACKET = 1;
    static final byte SEEN_OTHER = 2;
    int processed;
    int maxFrames = 1;

    /** Verified (or being verified) states at each prune point, by (call context, instruction). */
    private final HashMap<Long, List<Kept>> explored = new HashMap<>();
    /** States ever kept at each prune point (evictions do not lower it). */
    private final HashMap<Long, Integer> keptCount = new HashMap<>();
    /** Prune points that saw too many distinct states: from then on one joined (and widened) state. */
    private final HashMap<Long, AbstractState> joined = new HashMap<>();
    private final HashMap<Long, Integer> changes = new HashMap<>();
    private final java.util.HashSet<Long> joinQueued = new java.util.HashSet<>();
    /** Paths still to explore, depth first. */
    private final java.util.ArrayDeque<Item> work = new java.util.ArrayDeque<>();
    private final boolean[] prunePoint;
    private final Liveness liveness;
    private final int maxStatesPerPoint;
    private int storedStates;
    private final HashMap<Long, Integer> ctxIds = new HashMap<>();
    private final List<Integer> ctxParent = new ArrayList<>();
    private final long[] thresholds;
    private int currentPc;

    /**
     * One path to continue: {@code state} at the instruction of {@code key}; a null state means the joined state of
     * that key. {@code stored} states are also kept for pruning and are copied before they are stepped.
     */
    private record Item(long key, AbstractState state, boolean stored) {}

    /** A kept state with the kernel's pruning statistics: states that keep missing are dropped from the list. */
    private static final class Kept {
        final AbstractState state;
        int hits;
        int misses;

        Kept(AbstractState state) {
            this.state = state;
        }
    }

    Analyzer(Structure st, VerifierOptions opt) {
        this.st = st;
        this.opt = opt;
        this.stackDepth = new int[st.subprogs.length];
        this.accessSeen = new byte[st.slotCount];
        ctxParent.add(-1);
        TreeSet<Long> t = new TreeSet<>(Long::compareUnsigned);
        for (long v : new long[] {0xff, 0xffff, U32, Long.MAX_VALUE, -1L}) {
            t.add(v);
        }
        for (Instruction insn : st.insns) {
            if (insn.isConditionalJump() && insn.source() == K) {
                long c = insn.cls() == JMP32 ? insn.imm() & U32 : insn.imm();
                t.add(c);
                t.add(c - 1);
                t.add(c + 1);
            }
        }
        this.thresholds = t.stream().mapToLong(Long::longValue).toArray();
        this.prunePoint = prunePoints(st);
        this.liveness = new Liveness(st);
        this.maxStatesPerPoint = MAX_STATES_PER_POINT;
    }

    /**
     * Where paths may meet, so where states are kept and new ones compared with them: jump targets, the
     * instruction after a conditional jump or a call, and function entries (as the kernel's prune points).
     */
    private static boolean[] prunePoints(Structure st) {
        boolean[] p = new boolean[st.slotCount + 1];
        for (int f : st.subprogs) {
            p[f] = true;
        }
        for (int pc = 0; pc < st.slotCount; pc++) {
            Instruction insn = st.at[pc];
            if (insn == null) {
                continue;
            }
            int next = pc + insn.slots();
            if (insn.isExit()) {
                continue;
            }
            if (insn.isHelperCall() || insn.isBpfToBpfCall()) {
                p[Math.min(next, st.slotCount)] = true;
                if (insn.isBpfToBpfCall()) {
                    p[insn.jumpTarget(pc)] = true;
                }
            } else if (insn.isJump()) {
                p[insn.jumpTarget(pc)] = true;
                if (!insn.isUnconditionalJump()) {
                    p[Math.min(next, st.slotCount)] = true;
                }
            }
        }
        return p;
    }

    String log() {
        return log.toString();
    }

    // ---- driver ----

    void run() {
        Frame main = new Frame(0, -1, false);
        if (opt.isaMode()) {
            main.regs[1] = Reg.pointer(Type.RAW_MEM, 0);
            main.regs[2] = Reg.UNKNOWN;
        } else {
            main.regs[1] = Reg.pointer(Type.CTX, 0);
        }
        main.regs[10] = Reg.stack(0, 0);
        propagate(0, new AbstractState(new Frame[] {main}, 0, new TreeMap<>(), new TreeMap<>()));
        while (!work.isEmpty()) {
            Item item = work.pop();
            long key = item.key();
            int pc = (int) key;
            currentPc = pc;
            AbstractState s;
            if (item.state() == null) {
                joinQueued.remove(key);
                s = joined.get(key).copy();
            } else if (item.stored()) {
                // kept only now, not when it was pushed: a wider state explored meanwhile may cover it (the exits of
                // a loop walked deepest first)
                if (!keep(key, pc, item.state())) {
                    continue;
                }
                s = item.state().copy();
            } else {
                s = item.state();
            }
            if (++processed > opt.maxProcessed()) {
                fail(pc, "BPF program is too large. Processed " + processed + " insn (limit " + opt.maxProcessed()
                        + ")");
            }
            if (opt.logLevel() >= 2 && log.length() < LOG_LIMIT) {
                log.append(pc).append(": ").append(text(pc)).append(" ; ").append(regs(s)).append('\n');
            }
            step(pc, st.at[pc], s);
        }
        checkCombinedStack();
        if (opt.logLevel() >= 1) {
            log.append("processed ").append(processed).append(" insns (limit ").append(opt.maxProcessed())
                    .append(") total_states ").append(storedStates + joined.size()).append('\n');
        }
    }

    private String text(int pc) {
        Instruction insn = st.at[pc];
        String t;
        try {
            t = ObjdumpDisassembler.text(insn);
        } catch (RuntimeException e) {
            t = insn.toString();
        }
        return String.format("(%02x) %s", insn.opcode(), t);
    }

    private static String regs(AbstractState s) {
        StringBuilder b = new StringBuilder();
        Frame f = s.top();
        if (s.frames.length > 1) {
            b.append("frame").append(s.frames.length - 1).append(": ");
        }
        for (int i = 0; i < f.regs.length; i++) {
            if (f.regs[i].type() != Type.NOT_INIT) {
                b.append('R').append(i).append('=').append(f.regs[i]).append(' ');
            }
        }
        return b.toString().trim();
    }

    private VerifierException error(int pc, String reason) {
        if (opt.logLevel() >= 1 && pc >= 0 && pc < st.slotCount && st.at[pc] != null) {
            log.append(pc).append(": ").append(text(pc)).append('\n');
        }
        if (opt.logLevel() >= 1) {
            log.append(reason).append('\n');
        }
        return new VerifierException(pc, reason, log.toString());
    }

    private void fail(int pc, String reason) {
        throw error(pc, reason);
    }

    private int ctxOf(int parent, int callsite) {
        long key = ((long) parent << 32) | (callsite & 0xffffffffL);
        Integer id = ctxIds.get(key);
        if (id == null) {
            id = ctxParent.size();
            ctxParent.add(parent);
            ctxIds.put(key, id);
        }
        return id;
    }

    /**
     * Continues a path at {@code pc}. At a prune point the state is dropped when a state kept there already covers
     * it (whatever the new one can do, the old one was checked for); otherwise it is explored, and kept when its turn
     * comes ({@link #keep}).
     */
    private void propagate(int pc, AbstractState s) {
        long key = ((long) s.ctx << 32) | pc;
        if (!prunePoint[pc]) {
            work.push(new Item(key, s, false));
            return;
        }
        if (covered(key, pc, s)) {
            return;
        }
        if (joined.containsKey(key)) {
            joinInto(key, s);
            return;
        }
        work.push(new Item(key, s, true));
    }

    /** Whether a kept (or the joined) state at {@code key} covers {@code s}. */
    private boolean covered(long key, int pc, AbstractState s) {
        List<Kept> seen = explored.get(key);
        if (seen != null) {
            for (int i = seen.size() - 1; i >= 0; i--) {
                Kept k = seen.get(i);
                if (Subsumption.covers(k.state, s, liveness, pc)) {
                    k.hits++;
                    return true;
                }
                // as the kernel does, a state that rarely prunes anything stops being compared (only costs time)
                if (++k.misses > k.hits * 3 + 3) {
                    seen.remove(i);
                }
            }
        }
        AbstractState old = joined.get(key);
        return old != null && Subsumption.covers(old, s, liveness, pc);
    }

    /**
     * Keeps {@code s} at its prune point before it is explored; false when it need not be explored after all
     * (covered by now) or when it went into the point's joined state instead: after {@code maxStatesPerPoint}
     * distinct states at one point, further ones are joined there (widened after repeated changes), so that loops
     * the unrolling does not finish still reach a fixed point.
     */
    private boolean keep(long key, int pc, AbstractState s) {
        if (covered(key, pc, s)) {
            return false;
        }
        if (joined.containsKey(key)) {
            joinInto(key, s);
            return false;
        }
        int count = keptCount.merge(key, 1, Integer::sum);
        if (count > maxStatesPerPoint) {
            joined.put(key, s);
            joinQueued.add(key);
            work.push(new Item(key, null, false));
            return false;
        }
        explored.computeIfAbsent(key, k -> new ArrayList<>(2)).add(new Kept(s));
        storedStates++;
        return true;
    }

    private void joinInto(long key, AbstractState s) {
        AbstractState old = joined.get(key);
        int n = changes.getOrDefault(key, 0);
        AbstractState j = old.join(s, n >= WIDEN_AFTER, this::combine);
        if (!j.sameAs(old)) {
            changes.put(key, n + 1);
            joined.put(key, j);
            if (joinQueued.add(key)) {
                work.push(new Item(key, null, false));
            }
        }
    }

    private Reg combine(Reg old, Reg next, boolean widen) {
        if (!widen) {
            return Reg.join(old, next);
        }
        Reg w = Reg.widen(old, next);
        if (w.type() == Type.SCALAR && w.umax() == -1L && old.type() == Type.SCALAR) {
            // widen to the next threshold above the joined bound instead of all the way
            Reg j = Reg.join(old, next);
            for (long t : thresholds) {
                if (Long.compareUnsigned(t, j.umax()) >= 0) {
                    return Reg.scalar(w.umin(), t);
                }
            }
        }
        return w;
    }

    // ---- registers ----

    private Reg read(AbstractState s, int pc, int r) {
        Reg v = s.top().regs[r];
        if (v.type() == Type.NOT_INIT) {
            fail(pc, "R" + r + " !read_ok");
        }
        return v;
    }

    private static boolean ule(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    // ---- instructions ----

    /** Notes the pointer a plain load or store at {@code pc} went through, after its access was found in bounds. */
    private void seen(int pc, Reg ptr) {
        accessSeen[pc] = ptr.type() == Type.PACKET && accessSeen[pc] != SEEN_OTHER ? SEEN_PACKET : SEEN_OTHER;
    }

    private void step(int pc, Instruction insn, AbstractState s) {
        int next = pc + insn.slots();
        switch (insn.cls()) {
            case ALU, ALU64 -> {
                alu(pc, insn, s);
                propagate(next, s);
            }
            case LDX -> {
                Reg ptr = read(s, pc, insn.src());
                Reg v = access(s, pc, insn.src(), ptr, insn.off(), sizeBytes(insn.opcode()), Mode.READ, null,
                        insn.mode() == MEMSX);
                seen(pc, ptr);
                if (v.type() == Type.PACKET && v.id() == pc + 1) {
                    freshPacketBase(s, pc + 1);
                }
                s.top().regs[insn.dst()] = v;
                propagate(next, s);
            }
            case ST -> {
                Reg ptr = read(s, pc, insn.dst());
                access(s, pc, insn.dst(), ptr, insn.off(), sizeBytes(insn.opcode()), Mode.WRITE,
                        Reg.constant(insn.imm()), false);
                seen(pc, ptr);
                propagate(next, s);
            }
            case STX -> {
                Reg ptr = read(s, pc, insn.dst());
                Reg val = read(s, pc, insn.src());
                int size = sizeBytes(insn.opcode());
                if (insn.mode() == ATOMIC) {
                    atomic(pc, insn, s, ptr, val, size);
                } else {
                    access(s, pc, insn.dst(), ptr, insn.off(), size, Mode.WRITE, val, false);
                    seen(pc, ptr);
                }
                propagate(next, s);
            }
            case LD -> {
                if (insn.isLoadImm64()) {
                    s.top().regs[insn.dst()] = loadImm64(pc, insn);
                } else {
                    legacyPacketLoad(pc, insn, s);
                }
                propagate(next, s);
            }
            default -> jump(pc, insn, s, next);
        }
    }

    private Reg loadImm64(int pc, Instruction insn) {
        MapInfo m = st.mapAt[pc];
        return switch (insn.src()) {
            case Pseudo.NONE -> st.externAt[pc] ? Reg.mapValue(Type.MAP_VALUE, m, 0, 0) : Reg.constant(insn.imm64());
            case Pseudo.MAP_FD, Pseudo.MAP_IDX -> Reg.mapValue(Type.MAP_PTR, m, 0, 0);
            case Pseudo.MAP_VALUE, Pseudo.MAP_IDX_VALUE ->
                    Reg.mapValue(Type.MAP_VALUE, m, insn.nextImm() & U32, 0);
            case Pseudo.FUNC -> Reg.func(pc + 1 + insn.imm());
            default -> throw error(pc, "unrecognized bpf_ld_imm64 insn");
        };
    }

    private void legacyPacketLoad(int pc, Instruction insn, AbstractState s) {
        Reg r6 = read(s, pc, 6);
        if (r6.type() != Type.CTX || r6.lo() != 0 || r6.hi() != 0) {
            fail(pc, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        }
        if (insn.mode() == IND) {
            Reg idx = read(s, pc, insn.src());
            if (!idx.isScalar()) {
                fail(pc, "R" + insn.src() + " type=" + idx.type().text + " expected=scalar");
            }
        }
        Frame f = s.top();
        for (int r = 1; r <= 5; r++) {
            f.regs[r] = Reg.NOT_INIT;
        }
        f.regs[0] = Reg.sized(sizeBytes(insn.opcode()));
    }

    // ---- ALU ----

    private void alu(int pc, Instruction insn, AbstractState s) {
        Frame f = s.top();
        int op = insn.op();
        boolean is64 = insn.cls() == ALU64;
        int d = insn.dst();
        if (op == MOV) {
            if (insn.source() == K) {
                f.regs[d] = Reg.constant(is64 ? insn.imm() : insn.imm() & U32);
                return;
            }
            Reg src = read(s, pc, insn.src());
            int off = insn.off();
            if (off == 0) {
                if (is64) {
                    f.regs[d] = src;
                } else if (src.isConst()) {
                    f.regs[d] = Reg.constant(src.umin() & U32);
                } else if (src.isScalar() && ule(src.umax(), U32)) {
                    f.regs[d] = src;
                } else {
                    f.regs[d] = Reg.U32; // a truncated pointer is just a number
                }
                return;
            }
            if (!src.isScalar()) {
                fail(pc, "R" + insn.src() + " sign-extension part of pointer");
            }
            if (src.isConst()) {
                f.regs[d] = Reg.constant(ScalarOps.fold(MOV, is64, 0, src.umin(), off, 0));
            } else {
                long positiveMax = (1L << (off - 1)) - 1;
                f.regs[d] = ule(src.umax(), positiveMax) ? src : is64 ? Reg.UNKNOWN : Reg.U32;
            }
            return;
        }
        Reg dst = read(s, pc, d);
        if (op == NEG || op == END) {
            if (!dst.isScalar()) {
                fail(pc, "R" + d + " pointer arithmetic prohibited");
            }
            int imm = insn.imm();
            if (dst.isConst()) {
                long v = dst.umin();
                long r = op == NEG ? ScalarOps.fold(NEG, is64, v, 0, 0, 0)
                        : is64 ? ScalarOps.swap(v, imm) : ScalarOps.end(v, imm, insn.source() == TO_BE);
                f.regs[d] = Reg.constant(r);
            } else if (op == NEG) {
                f.regs[d] = is64 ? Reg.UNKNOWN : Reg.U32;
            } else if (!is64 && insn.source() == TO_LE && imm == 64) {
                f.regs[d] = dst;
            } else {
                long mask = imm == 64 ? -1L : (1L << imm) - 1;
                f.regs[d] = !is64 && insn.source() == TO_LE && ule(dst.umax(), mask) ? dst : Reg.scalar(0, mask);
            }
            return;
        }
        Reg src = insn.source() == K ? Reg.constant(is64 ? insn.imm() : insn.imm() & U32) : read(s, pc, insn.src());
        if (dst.isScalar() && src.isScalar()) {
            if (dst.isConst() && src.isConst()) {
                f.regs[d] = Reg.constant(ScalarOps.fold(op, is64, dst.umin(), src.umin(), insn.off(), insn.imm()));
            } else {
                f.regs[d] = ScalarOps.range(op, is64, dst, src, insn.off());
            }
            return;
        }
        Reg result = pointerAlu(pc, insn, dst, src, is64);
        if (result.type() == Type.PACKET && result.id() == pc + 1) {
            // a new packet base from this instruction: what an earlier visit learnt about its id no longer holds
            s.pkt.remove(pc + 1);
            detach(s, Type.PACKET, pc + 1, r -> Reg.UNKNOWN);
        }
        f.regs[d] = result;
    }

    /**
     * Before a load of {@code data} hands out packet base {@code id} again: pointers from an earlier visit keep what
     * was proven for them under id {@code -id} (the base is the same {@code data}, so ranges of both may be merged),
     * and the new base starts with no range, so that what a state knows depends only on the pointers it holds.
     */
    private static void freshPacketBase(AbstractState s, int id) {
        Long range = s.pkt.remove(id);
        boolean held = false;
        for (Frame f : s.frames) {
            for (int r = 0; r < f.regs.length; r++) {
                if (f.regs[r].type() == Type.PACKET && f.regs[r].id() == id) {
                    f.regs[r] = f.regs[r].withId(-id);
                    held = true;
                }
            }
            for (int slot = 0; slot < f.spills.length; slot++) {
                Reg sp = f.spills[slot];
                if (sp != null && f.stack[slot * 8] == SPILL && sp.type() == Type.PACKET && sp.id() == id) {
                    f.own();
                    f.spills[slot] = sp.withId(-id);
                    held = true;
                }
            }
        }
        if (held && range != null) {
            s.pkt.merge(-id, range, Math::max);
        }
    }

    /**
     * Before an instruction hands out id {@code id} again (in a loop), values still carrying it from an earlier
     * visit must not be refined or released together with the new one.
     */
    private static void detach(AbstractState s, Type type, int id, java.util.function.UnaryOperator<Reg> to) {
        for (Frame f : s.frames) {
            for (int r = 0; r < f.regs.length; r++) {
                if (f.regs[r].type() == type && f.regs[r].id() == id) {
                    f.regs[r] = to.apply(f.regs[r]);
                }
            }
            for (int slot = 0; slot < f.spills.length; slot++) {
                Reg sp = f.spills[slot];
                if (sp != null && f.stack[slot * 8] == SPILL && sp.type() == type && sp.id() == id) {
                    f.own();
                    f.spills[slot] = to.apply(sp);
                }
            }
        }
    }

    private static String opName(int op) {
        return switch (op) {
            case ADD -> "+=";
            case SUB -> "-=";
            case MUL -> "*=";
            case DIV -> "/=";
            case OR -> "|=";
            case AND -> "&=";
            case LSH -> "<<=";
            case RSH -> ">>=";
            case MOD -> "%=";
            case XOR -> "^=";
            case ARSH -> "s>>=";
            default -> "?";
        };
    }

    private Reg pointerAlu(int pc, Instruction insn, Reg dst, Reg src, boolean is64) {
        int d = insn.dst();
        int op = insn.op();
        if (dst.type() == Type.MIXED || src.type() == Type.MIXED) {
            fail(pc, "R" + (dst.type() == Type.MIXED ? d : insn.src())
                    + " has different types on different paths; arithmetic on it prohibited");
        }
        if (!is64) {
            fail(pc, "R" + d + " 32-bit pointer arithmetic prohibited");
        }
        if (op == AND || op == OR || op == XOR) {
            fail(pc, "R" + d + " bitwise operator " + opName(op) + " on pointer prohibited");
        }
        if (op == ADD) {
            if (dst.type().isPointer() && src.type().isPointer()) {
                fail(pc, "R" + d + " pointer += pointer prohibited");
            }
            Reg ptr = dst.type().isPointer() ? dst : src;
            Reg sc = dst.type().isPointer() ? src : dst;
            return offsetPointer(pc, d, ptr, sc, false);
        }
        if (op == SUB) {
            if (dst.isScalar()) {
                fail(pc, "R" + d + " tried to subtract pointer from scalar");
            }
            if (src.type().isPointer()) {
                // as the kernel allows it to privileged programs (allow_ptr_leaks): any pointer minus any pointer is
                // an unknown scalar, e.g. data_end - data, the packet's length
                return Reg.UNKNOWN;
            }
            return offsetPointer(pc, d, dst, src, true);
        }
        fail(pc, "R" + d + " pointer arithmetic with " + opName(op) + " operator prohibited");
        return null;
    }

    private Reg offsetPointer(int pc, int d, Reg ptr, Reg sc, boolean subtract) {
        Type t = ptr.type();
        if (t.orNull()) {
            fail(pc, "R" + d + " pointer arithmetic on " + t.text + " prohibited, null-check it first");
        }
        if (t == Type.MAP_PTR || t == Type.PACKET_END || t == Type.FUNC) {
            fail(pc, "R" + d + " pointer arithmetic on " + t.text + " prohibited");
        }
        long lo = subtract ? -sc.smax() : sc.smin();
        long hi = subtract ? -sc.smin() : sc.smax();
        if (t == Type.PACKET && !sc.isConst()) {
            long var = sc.smin() < 0 || subtract || ptr.lo() < 0 || !ule(sc.umax(), MAX_PACKET_OFF)
                    || !ule(ptr.umax(), MAX_PACKET_OFF) ? -1L : ptr.umax() + ptr.hi() + sc.umax();
            return Reg.packet(pc + 1, 0, var);
        }
        return ptr.withOffsets(ptr.lo() + lo, ptr.hi() + hi);
    }

    // ---- memory ----

    enum Mode {
        READ, WRITE, ATOMIC, HELPER_READ, HELPER_WRITE;

        boolean reads() {
            return this == READ || this == ATOMIC || this == HELPER_READ;
        }

        boolean writes() {
            return this == WRITE || this == ATOMIC || this == HELPER_WRITE;
        }

        boolean helper() {
            return this == HELPER_READ || this == HELPER_WRITE;
        }
    }

    /**
     * Checks an access of {@code size} bytes at {@code ptr + off} through register {@code regno}; performs the
     * effect of writes on the stack and returns the value of reads.
     */
    private Reg access(AbstractState s, int pc, int regno, Reg ptr, long off, long size, Mode mode, Reg value,
                       boolean signExtend) {
        Type t = ptr.type();
        Reg loaded = size < 8 && !signExtend ? Reg.sized((int) size) : Reg.UNKNOWN;
        switch (t) {
            case STACK -> {
                return stackAccess(s, pc, regno, ptr, off, size, mode, value, signExtend, loaded);
            }
            case CTX -> {
                if (mode.helper()) {
                    fail(pc, "R" + regno + " type=ctx expected=fp, pkt, map_value, mem");
                }
                if (mode == Mode.ATOMIC) {
                    fail(pc, "BPF_ATOMIC stores into R" + regno + " ctx is not allowed");
                }
                if (!ptr.fixedOffset() || ptr.lo() != 0) {
                    fail(pc, "dereference of modified ctx ptr R" + regno + " off=" + ptr.lo() + " disallowed");
                }
                return ctxAccess(pc, regno, off, (int) size, mode, value, loaded, signExtend);
            }
            case MAP_VALUE -> {
                MapInfo m = ptr.map();
                long lo = ptr.lo() + off;
                long hi = ptr.hi() + off;
                if (lo < 0 && !ptr.fixedOffset()) {
                    fail(pc, "R" + regno + " min value is negative, either use unsigned index or do a if (index >=0)"
                            + " check.");
                }
                if (hi >= Reg.INF) {
                    fail(pc, "R" + regno + " unbounded memory access, make sure to bounds check any such access");
                }
                if (lo < 0 || hi + size > m.valueSize()) {
                    fail(pc, "invalid access to map value, value_size=" + m.valueSize() + " off="
                            + (ptr.fixedOffset() ? lo : hi) + " size=" + size);
                }
                if (mode.writes() && m.readOnly()) {
                    fail(pc, "write into map forbidden, value_size=" + m.valueSize() + " off=" + lo + " size=" + size);
                }
                return loaded;
            }
            case PACKET -> {
                if (mode == Mode.ATOMIC) {
                    fail(pc, "BPF_ATOMIC stores into R" + regno + " pkt is not allowed");
                }
                long range = s.pkt.getOrDefault(ptr.id(), 0L);
                long lo = ptr.lo() + off;
                long hi = ptr.hi() + off;
                if (!ule(ptr.umax(), MAX_PACKET_OFF)) {
                    fail(pc, "R" + regno + " offset is outside of the packet");
                }
                if (lo < 0 || hi + size > range) {
                    // the kernel prints the access's offset (register offset plus instruction offset) twice
                    long at = ptr.fixedOffset() ? lo : hi;
                    // the kernel's id is 0 for pointers at constant offsets from data
                    fail(pc, "invalid access to packet, off=" + at + " size=" + size + ", R" + regno + "(id="
                            + (ptr.umax() == 0 ? 0 : ptr.id()) + ",off=" + at + ",r=" + range + ")");
                }
                if (mode.writes() && !packetWritable()) {
                    fail(pc, "cannot write into packet");
                }
                return loaded;
            }
            case MEM -> {
                long lo = ptr.lo() + off;
                long hi = ptr.hi() + off;
                if (lo < 0 || hi + size > ptr.size()) {
                    fail(pc, "invalid access to memory, mem_size=" + ptr.size() + " off=" + (ptr.fixedOffset() ? lo : hi)
                            + " size=" + size);
                }
                return loaded;
            }
            case RAW_MEM -> {
                return loaded;
            }
            case TASK -> {
                // the kernel checks the access against task_struct's BTF; the VM knows the task only at run time,
                // where every load is bounds-checked against the bytes supplied
                if (mode.writes()) {
                    fail(pc, "only read is supported");
                }
                long at = ptr.lo() + off;
                if (!ptr.fixedOffset()) {
                    fail(pc, "R" + regno + " is ptr_task_struct invalid variable offset: off=" + ptr.lo());
                }
                if (at < 0) {
                    fail(pc, "R" + regno + " is ptr_task_struct invalid negative access: off=" + at);
                }
                if (at + size > TASK_LIMIT) {
                    fail(pc, "access beyond struct task_struct at off " + at + " size " + size);
                }
                return loaded;
            }
            default -> {
                if (mode.helper()) {
                    fail(pc, "R" + regno + " type=" + t.text + " expected=fp, pkt, map_value, mem");
                }
                fail(pc, "R" + regno + " invalid mem access '" + t.text + "'");
                return null;
            }
        }
    }

    private boolean packetWritable() {
        ProgramType t = opt.programType();
        return t == ProgramType.XDP || t == ProgramType.SCHED_CLS || t == ProgramType.SCHED_ACT
                || t == ProgramType.SK_SKB || t == ProgramType.LWT_XMIT;
    }

    private Reg stackAccess(AbstractState s, int pc, int regno, Reg ptr, long off, long size, Mode mode, Reg value,
                            boolean signExtend, Reg loaded) {
        long lo = ptr.lo() + off;
        long hi = ptr.hi() + off;
        if (lo < -STACK_SIZE || hi + size > 0 || size > STACK_SIZE) {
            if (ptr.fixedOffset()) {
                fail(pc, "invalid stack access off=" + lo + " size=" + size);
            }
            fail(pc, "invalid variable-offset stack access R" + regno + " off=[" + bound(lo) + "," + bound(hi)
                    + "] size=" + size);
        }
        Frame fr = s.frames[ptr.frame()];
        int fn = st.subprogOf(fr.func);
        stackDepth[fn] = (int) Math.max(stackDepth[fn], -lo);
        int from = (int) (STACK_SIZE + lo);
        int to = (int) (STACK_SIZE + hi + size); // exclusive
        boolean fixed = ptr.fixedOffset();
        if (mode.reads()) {
            for (int i = from; i < to; i++) {
                if (fr.stack[i] == INVALID) {
                    String where = fixed ? "off " + ptr.lo() + "+" + off + " size " + size
                            : "var-off [" + lo + "," + hi + "] size " + size;
                    fail(pc, (mode.helper() ? "invalid indirect read from stack R" + regno + " " : "invalid read from stack ")
                            + where);
                }
            }
        }
        if (mode == Mode.READ) {
            if (fixed && size == 8 && from % 8 == 0 && fr.stack[from] == SPILL) {
                Reg spilled = fr.spills[from / 8];
                return signExtend && !spilled.isScalar() ? Reg.UNKNOWN : spilled;
            }
            for (int i = from; i < to; i++) {
                if (fr.stack[i] == SPILL && !fr.spills[i / 8].isScalar()) {
                    fail(pc, "invalid size of register fill");
                }
            }
            return loaded;
        }
        if (mode == Mode.ATOMIC) {
            for (int i = from; i < to; i++) {
                if (fr.stack[i] == SPILL && !fr.spills[i / 8].isScalar()) {
                    fail(pc, "atomic operation on a spilled pointer prohibited");
                }
            }
        }
        if (mode.writes()) {
            boolean pointerValue = value != null && !value.isScalar();
            if (value != null && value.type() == Type.STACK && value.frame() > ptr.frame()) {
                fail(pc, "cannot spill pointers to stack into stack frame of the caller");
            }
            fr.own();
            if (mode == Mode.WRITE && fixed && size == 8 && from % 8 == 0) {
                Arrays.fill(fr.stack, from, to, SPILL);
                fr.spills[from / 8] = value;
                return null;
            }
            if (pointerValue) {
                fail(pc, "invalid size of register spill");
            }
            for (int slot = from / 8; slot <= (to - 1) / 8; slot++) {
                if (fr.stack[slot * 8] == SPILL) {
                    Arrays.fill(fr.stack, slot * 8, slot * 8 + 8, MISC);
                    fr.spills[slot] = null;
                }
            }
            Arrays.fill(fr.stack, from, to, MISC);
        }
        return null;
    }

    private static String bound(long v) {
        return v <= -Reg.INF ? "-inf" : v >= Reg.INF ? "inf" : Long.toString(v);
    }

    /** Size of the context structure of a program type (an approximation for types not listed). */
    static int ctxSize(ProgramType t) {
        if (HelperSet.SKB.contains(t)) {
            return 192; // struct __sk_buff
        }
        return switch (t) {
            case XDP -> 24; // struct xdp_md
            case KPROBE -> 168; // struct pt_regs (x86-64)
            case PERF_EVENT -> 184; // struct bpf_perf_event_data
            case TRACEPOINT -> 2048; // PERF_MAX_TRACE_SIZE
            case RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE, TRACING, LSM -> 96; // u64 args[MAX_BPF_FUNC_ARGS]
            default -> 1024;
        };
    }

    private Reg ctxAccess(int pc, int regno, long off, int size, Mode mode, Reg value, Reg loaded,
                          boolean signExtend) {
        ProgramType t = opt.programType();
        int ctxSize = ctxSize(t);
        String bad = "invalid bpf_context access off=" + off + " size=" + size;
        if (off < 0 || off + size > ctxSize) {
            fail(pc, bad);
        }
        boolean skb = HelperSet.SKB.contains(t);
        if (mode == Mode.WRITE) {
            boolean ok;
            if (t == ProgramType.XDP || t == ProgramType.KPROBE || t == ProgramType.TRACEPOINT
                    || t == ProgramType.PERF_EVENT || t == ProgramType.RAW_TRACEPOINT
                    || t == ProgramType.RAW_TRACEPOINT_WRITABLE || t == ProgramType.TRACING || t == ProgramType.LSM) {
                ok = false;
            } else if (skb) {
                boolean cb = off >= 48 && off + size <= 68;
                boolean tcField = size == 4 && (off == 8 || off == 12 || off == 32 || off == 44 || off == 72);
                ok = cb || (t != ProgramType.SOCKET_FILTER && tcField);
            } else {
                ok = true;
            }
            if (!ok) {
                fail(pc, bad);
            }
            if (!value.isScalar()) {
                fail(pc, "R" + regno + " leaks addr into ctx");
            }
            return null;
        }
        long dataOff = -1;
        long endOff = -1;
        if (t == ProgramType.XDP) {
            dataOff = 0;
            endOff = 4;
        } else if (skb) {
            dataOff = 76;
            endOff = 80;
        }
        if (off == dataOff || off == endOff) {
            // a pointer field: read whole, never sign-extended (the kernel refuses an LDSX of it with these words)
            if (t == ProgramType.SOCKET_FILTER || size != 4 || signExtend) {
                fail(pc, bad);
            }
            // each load of data starts a packet base of its own, with no range yet (as the kernel's fresh register)
            return off == dataOff ? Reg.packet(pc + 1, 0, 0) : Reg.pointer(Type.PACKET_END, 0);
        }
        return loaded;
    }

    private void atomic(int pc, Instruction insn, AbstractState s, Reg ptr, Reg val, int size) {
        int op = insn.imm();
        if (!val.isScalar()) {
            fail(pc, "R" + insn.src() + " leaks addr into mem");
        }
        if (op == CMPXCHG) {
            read(s, pc, 0);
        }
        Type t = ptr.type();
        if (t != Type.STACK && t != Type.MAP_VALUE && t != Type.MEM && t != Type.RAW_MEM) {
            if (t == Type.CTX || t == Type.PACKET) {
                fail(pc, "BPF_ATOMIC stores into R" + insn.dst() + " " + t.text + " is not allowed");
            }
            fail(pc, "R" + insn.dst() + " invalid mem access '" + t.text + "'");
        }
        access(s, pc, insn.dst(), ptr, insn.off(), size, Mode.ATOMIC, null, false);
        Reg fetched = size == 4 ? Reg.U32 : Reg.UNKNOWN;
        if (op == CMPXCHG) {
            s.top().regs[0] = fetched;
        } else if ((op & FETCH) != 0) {
            s.top().regs[insn.src()] = fetched;
        }
    }

    // ---- jumps, calls, exit ----

    private void jump(int pc, Instruction insn, AbstractState s, int next) {
        if (insn.isUnconditionalJump()) {
            propagate(insn.jumpTarget(pc), s);
        } else if (insn.isMayGoto()) {
            propagate(next, s.copy());
            propagate(insn.jumpTarget(pc), s);
        } else if (insn.isExit()) {
            exit(pc, s);
        } else if (insn.isHelperCall()) {
            helperCall(pc, insn, s, next);
        } else if (insn.isBpfToBpfCall()) {
            bpfCall(pc, insn, s);
        } else if (insn.isConditionalJump()) {
            branch(pc, insn, s, next);
        } else {
            fail(pc, String.format("invalid opcode 0x%02x", insn.opcode()));
        }
    }

    private void pushCheck(int pc, AbstractState s) {
        int frames = s.frames.length + 1;
        if (frames > Structure.MAX_CALL_FRAMES) {
            fail(pc, "the call stack of " + frames + " frames is too deep");
        }
        maxFrames = Math.max(maxFrames, frames);
    }

    private AbstractState push(AbstractState s, Frame callee, int callsite) {
        Frame[] f = Arrays.copyOf(s.frames, s.frames.length + 1);
        f[f.length - 1] = callee;
        return new AbstractState(f, ctxOf(s.ctx, callsite), s.pkt, s.refs);
    }

    private void bpfCall(int pc, Instruction insn, AbstractState s) {
        pushCheck(pc, s);
        int target = insn.jumpTarget(pc);
        Frame caller = s.top();
        Frame callee = new Frame(target, pc, false);
        for (int r = 1; r <= 5; r++) {
            callee.regs[r] = caller.regs[r];
        }
        callee.regs[10] = Reg.stack(s.frames.length, 0);
        propagate(target, push(s, callee, pc));
    }

    private Frame callbackFrame(AbstractState s, int target, int callsite, int ctxReg) {
        Frame callee = new Frame(target, callsite, true);
        callee.regs[1] = Reg.UNKNOWN;
        callee.regs[2] = s.top().regs[ctxReg];
        callee.regs[10] = Reg.stack(s.frames.length, 0);
        return callee;
    }

    /** The register a helper passes on to its callback as R2: the one after its function argument. */
    private int callbackCtxReg(int callsite) {
        HelperProto proto = opt.helpers().get(st.at[callsite].imm()).orElseThrow();
        return proto.args().indexOf(ArgKind.PTR_TO_FUNC) + 2;
    }

    private void exit(int pc, AbstractState s) {
        Frame f = s.top();
        Reg r0 = f.regs[0];
        if (r0.type() == Type.NOT_INIT) {
            fail(pc, "R0 !read_ok");
        }
        int depth = s.frames.length;
        if (depth == 1) {
            if (!opt.isaMode() && !r0.isScalar()) {
                fail(pc, "At program exit the register R0 is not a known value (" + r0.type().text + ")");
            }
            if (!s.refs.isEmpty()) {
                Map.Entry<Integer, Integer> e = s.refs.firstEntry();
                fail(pc, "Unreleased reference id=" + e.getKey() + " alloc_insn=" + e.getValue());
            }
            return;
        }
        Frame[] callerFrames = Arrays.copyOf(s.frames, depth - 1);
        AbstractState back = new AbstractState(callerFrames, ctxParent.get(s.ctx), s.pkt, s.refs);
        if (f.callback) {
            if (!r0.isScalar()) {
                fail(pc, "At callback return the register R0 is not a known value (" + r0.type().text + ")");
            }
            if (!ule(r0.umax(), 1)) {
                fail(pc, "At callback return the register R0 has value " + r0 + ", should have been in [0,1]");
            }
            // the helper may call the callback again, with the caller's frame as the callback left it
            AbstractState again = back.copy();
            Frame callee = callbackFrame(again, f.func, f.callsite, callbackCtxReg(f.callsite));
            propagate(f.func, push(again, callee, f.callsite));
            r0 = Reg.UNKNOWN;
        } else if (r0.type() == Type.STACK && r0.frame() == depth - 1) {
            fail(pc, "cannot return stack pointer to the caller frame");
        }
        AbstractState cont = back.copy();
        Frame caller = cont.top();
        caller.regs[0] = r0;
        for (int r = 1; r <= 5; r++) {
            caller.regs[r] = Reg.NOT_INIT;
        }
        propagate(f.callsite + 1, cont);
    }

    private void helperCall(int pc, Instruction insn, AbstractState s, int next) {
        int id = insn.imm();
        Optional<HelperProto> found = opt.helpers().get(id);
        if (found.isEmpty()) {
            Optional<String> name = id > 0 ? HelperFunctions.name(id) : Optional.empty();
            fail(pc, name.map(n -> "helper " + n + "#" + id + " is not supported").orElse("unknown helper " + id));
        }
        HelperProto proto = found.get();
        ProgramType type = opt.programType();
        if (!proto.allowedIn().test(type)) {
            fail(pc, "helper " + proto.name() + " is not allowed in " + type.bpftoolName() + " programs");
        }
        MapInfo map = null;
        int memReg = -1;
        boolean memWrite = false;
        long allocSize = -1;
        int callback = -1;
        int callbackCtxReg = -1;
        int release = -1;
        List<ArgKind> args = proto.args();
        for (int i = 0; i < args.size(); i++) {
            int r = i + 1;
            Reg v = read(s, pc, r);
            ArgKind kind = args.get(i);
            switch (kind) {
                case ANYTHING -> { }
                case CONST_MAP_PTR -> {
                    if (v.type() != Type.MAP_PTR) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=map_ptr");
                    }
                    map = v.map();
                    if (!HelperSet.compatible(map.type(), proto)) {
                        fail(pc, "cannot pass map_type " + map.type().value() + " (" + map.type().bpftoolName()
                                + ") into func " + proto.name() + "#" + id);
                    }
                    if (map.readOnly() && (id == 2 || id == 3)) {
                        fail(pc, "write into map forbidden, map " + map.name() + " is read-only");
                    }
                }
                case PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE -> {
                    if (map == null) {
                        fail(pc, "R" + r + ": " + kind + " without a preceding map argument");
                    }
                    int size = kind == ArgKind.PTR_TO_MAP_KEY ? map.keySize() : map.valueSize();
                    helperMem(s, pc, r, v, size, false);
                }
                case PTR_TO_MEM, PTR_TO_UNINIT_MEM -> {
                    memReg = r;
                    memWrite = kind == ArgKind.PTR_TO_UNINIT_MEM;
                    if (!v.type().isMemory() || v.type() == Type.CTX) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=fp, pkt, map_value, mem");
                    }
                }
                case CONST_SIZE, CONST_SIZE_OR_ZERO -> {
                    if (!v.isScalar()) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=scalar");
                    }
                    if (!ule(v.umax(), 1 << 29)) {
                        fail(pc, "R" + r + " unbounded memory access, use 'var &= const' or 'if (var < const)'");
                    }
                    if (kind == ArgKind.CONST_SIZE && v.umin() == 0) {
                        fail(pc, "R" + r + " invalid zero-sized read");
                    }
                    if (memReg < 0) {
                        fail(pc, "R" + r + ": size argument without a preceding memory argument");
                    }
                    if (v.umax() > 0) {
                        helperMem(s, pc, memReg, s.top().regs[memReg], v.umax(), memWrite);
                    }
                    memReg = -1;
                }
                case CONST_ALLOC_SIZE_OR_ZERO -> {
                    if (!v.isConst()) {
                        fail(pc, "R" + r + " is not a known constant");
                    }
                    allocSize = v.umin();
                }
                case PTR_TO_CTX -> {
                    if (v.type() != Type.CTX || v.lo() != 0 || v.hi() != 0) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=ctx");
                    }
                }
                case PTR_TO_FUNC -> {
                    if (v.type() != Type.FUNC) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=func");
                    }
                    callback = v.func();
                    callbackCtxReg = r + 1;
                }
                case PTR_TO_STACK_OR_NULL -> {
                    if (v.type() != Type.STACK && !v.isNull()) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=fp");
                    }
                }
                case PTR_TO_RINGBUF_MEM -> {
                    if (v.type() != Type.MEM) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=ringbuf_mem");
                    }
                    if (v.lo() != 0 || v.hi() != 0) {
                        fail(pc, "R" + r + " must have zero offset when passed to release func");
                    }
                    if (!s.refs.containsKey(v.id())) {
                        fail(pc, "R" + r + " reference id=" + v.id() + " was already released");
                    }
                    release = v.id();
                }
                case PTR_TO_SPIN_LOCK -> {
                    if (v.type() != Type.MAP_VALUE || !v.fixedOffset() || v.lo() < 0
                            || v.lo() + 4 > v.map().valueSize()) {
                        fail(pc, "R" + r + " type=" + v.type().text + " expected=map_value (spin lock)");
                    }
                }
            }
        }
        if (memReg >= 0) {
            fail(pc, "R" + memReg + ": memory argument without a size");
        }
        if (id == 12 && !s.refs.isEmpty()) {
            fail(pc, "tail_call would lead to reference leak");
        }
        AbstractState callbackEntry = null;
        if (callback >= 0) {
            pushCheck(pc, s);
            AbstractState entry = s.copy();
            callbackEntry = push(entry, callbackFrame(entry, callback, pc, callbackCtxReg), pc);
        }
        if (release >= 0) {
            s.refs.remove(release);
            replaceAll(s, release, Type.MEM, Reg.UNKNOWN);
        }
        if (proto.changesPacketData()) {
            invalidatePackets(s);
        }
        Frame f = s.top();
        for (int r = 1; r <= 5; r++) {
            f.regs[r] = Reg.NOT_INIT;
        }
        f.regs[0] = switch (proto.ret()) {
            case INTEGER -> Reg.UNKNOWN;
            case VOID -> Reg.NOT_INIT;
            case MAP_VALUE_OR_NULL -> {
                detach(s, Type.MAP_VALUE_OR_NULL, pc + 1, r -> r.withId(0));
                detach(s, Type.MAP_PTR_OR_NULL, pc + 1, r -> r.withId(0));
                if (map == null) {
                    throw error(pc, "helper " + proto.name() + " returns a map value but takes no map");
                }
                if (map.isMapOfMaps()) {
                    if (map.inner() == null) {
                        throw error(pc, "map " + map.name() + " has no inner map template");
                    }
                    yield Reg.mapValue(Type.MAP_PTR_OR_NULL, map.inner(), 0, pc + 1);
                }
                yield Reg.mapValue(Type.MAP_VALUE_OR_NULL, map, 0, pc + 1);
            }
            case PTR_TO_TASK -> Reg.pointer(Type.TASK, 0);
            case RINGBUF_MEM_OR_NULL -> {
                if (s.refs.containsKey(pc + 1)) {
                    throw error(pc, "Unreleased reference id=" + (pc + 1) + " alloc_insn=" + pc);
                }
                s.refs.put(pc + 1, pc);
                yield Reg.mem(Type.MEM_OR_NULL, Math.max(allocSize, 0), pc + 1);
            }
        };
        if (callbackEntry != null) {
            propagate(callback, callbackEntry);
        }
        propagate(next, s);
    }

    private void helperMem(AbstractState s, int pc, int r, Reg v, long size, boolean write) {
        if (!v.type().isMemory() || v.type() == Type.CTX) {
            fail(pc, "R" + r + " type=" + v.type().text + " expected=fp, pkt, map_value, mem");
        }
        access(s, pc, r, v, 0, size, write ? Mode.HELPER_WRITE : Mode.HELPER_READ, null, false);
    }

    /** Every register and spill (all frames) of {@code type} with {@code id} becomes {@code to}. */
    private static void replaceAll(AbstractState s, int id, Type type, Reg to) {
        for (Frame f : s.frames) {
            for (int r = 0; r < f.regs.length; r++) {
                if (f.regs[r].type() == type && f.regs[r].id() == id) {
                    f.regs[r] = to;
                }
            }
            for (int slot = 0; slot < f.spills.length; slot++) {
                Reg sp = f.spills[slot];
                if (sp != null && f.stack[slot * 8] == SPILL && sp.type() == type && sp.id() == id) {
                    f.own();
                    f.spills[slot] = to;
                }
            }
        }
    }

    private static void invalidatePackets(AbstractState s) {
        s.pkt.clear();
        for (Frame f : s.frames) {
            for (int r = 0; r < f.regs.length; r++) {
                Type t = f.regs[r].type();
                if (t == Type.PACKET || t == Type.PACKET_END) {
                    f.regs[r] = Reg.UNKNOWN;
                }
            }
            for (int slot = 0; slot < f.spills.length; slot++) {
                Reg sp = f.spills[slot];
                if (sp != null && f.stack[slot * 8] == SPILL
                        && (sp.type() == Type.PACKET || sp.type() == Type.PACKET_END)) {
                    f.own();
                    f.spills[slot] = Reg.UNKNOWN;
                }
            }
        }
    }

    // ---- conditional jumps ----

    private void branch(int pc, Instruction insn, AbstractState s, int fall) {
        boolean is32 = insn.cls() == JMP32;
        int op = insn.op();
        int taken = insn.jumpTarget(pc);
        boolean x = insn.source() == X;
        Reg dst = read(s, pc, insn.dst());
        Reg src = x ? read(s, pc, insn.src()) : Reg.constant(is32 ? insn.imm() & U32 : insn.imm());
        boolean eq = op == JEQ || op == JNE;
        if (!is32 && eq) {
            int nullReg = -1;
            Reg maybe = null;
            if (dst.type().orNull() && src.isNull()) {
                nullReg = insn.dst();
                maybe = dst;
            } else if (x && src.type().orNull() && dst.isNull()) {
                nullReg = insn.src();
                maybe = src;
            }
            if (maybe != null) {
                AbstractState isNull = s.copy();
                markNull(isNull, nullReg, maybe, true);
                markNull(s, nullReg, maybe, false);
                propagate(op == JEQ ? taken : fall, isNull);
                propagate(op == JEQ ? fall : taken, s);
                return;
            }
            Reg ptr = src.isNull() ? dst : x && dst.isNull() ? src : null;
            if (ptr != null && ptr.type().isPointer() && ptr.type() != Type.RAW_MEM) {
                // a valid pointer is never NULL
                propagate(op == JEQ ? fall : taken, s);
                return;
            }
        }
        if (!is32 && x && (dst.type() == Type.PACKET && src.type() == Type.PACKET_END
                || dst.type() == Type.PACKET_END && src.type() == Type.PACKET)) {
            packetBranch(pc, insn, s, dst, src, fall, taken);
            return;
        }
        if (dst.isScalar() && src.isScalar()) {
            scalarBranch(insn, s, dst, src, is32, fall, taken);
            return;
        }
        propagate(fall, s.copy());
        propagate(taken, s);
    }

    private void markNull(AbstractState s, int regno, Reg maybe, boolean isNull) {
        Reg to = isNull ? Reg.constant(0) : nonNull(maybe);
        if (maybe.id() == 0) {
            s.top().regs[regno] = to;
            return;
        }
        for (Frame f : s.frames) {
            for (int r = 0; r < f.regs.length; r++) {
                if (f.regs[r].type() == maybe.type() && f.regs[r].id() == maybe.id()) {
                    f.regs[r] = isNull ? to : nonNull(f.regs[r]);
                }
            }
            for (int slot = 0; slot < f.spills.length; slot++) {
                Reg sp = f.spills[slot];
                if (sp != null && f.stack[slot * 8] == SPILL && sp.type() == maybe.type() && sp.id() == maybe.id()) {
                    f.own();
                    f.spills[slot] = isNull ? to : nonNull(sp);
                }
            }
        }
        if (isNull && maybe.type() == Type.MEM_OR_NULL) {
            s.refs.remove(maybe.id());
        }
    }

    private static Reg nonNull(Reg r) {
        Reg n = r.withType(r.type().nonNull());
        return n.type() == Type.MEM ? n : n.withId(0);
    }

    private void packetBranch(int pc, Instruction insn, AbstractState s, Reg dst, Reg src, int fall, int taken) {
        Reg pkt = dst.type() == Type.PACKET ? dst : src;
        boolean pktLeft = dst.type() == Type.PACKET;
        int op = insn.op();
        // which edge learns "pkt <= pkt_end" (for pkt's fixed offset)
        int good = -1;
        if (pktLeft) {
            if (op == JGT || op == JGE) {
                good = fall;
            } else if (op == JLT || op == JLE) {
                good = taken;
            }
        } else {
            if (op == JLT || op == JLE) {
                good = fall;
            } else if (op == JGT || op == JGE) {
                good = taken;
            }
        }
        AbstractState other = s.copy();
        if (good >= 0 && pkt.lo() >= 0 && ule(pkt.umax(), MAX_PACKET_OFF)) {
            s.pkt.merge(pkt.id(), pkt.lo(), Math::max);
            int bad = good == fall ? taken : fall;
            if (good == bad) {
                propagate(good, s);
                return;
            }
            propagate(bad, other);
            propagate(good, s);
            return;
        }
        propagate(fall, other);
        propagate(taken, s);
    }

    private static boolean evalConst(int op, boolean is32, long a, long b) {
        if (is32) {
            int x = (int) a;
            int y = (int) b;
            return switch (op) {
                case JEQ -> x == y;
                case JNE -> x != y;
                case JGT -> Integer.compareUnsigned(x, y) > 0;
                case JGE -> Integer.compareUnsigned(x, y) >= 0;
                case JLT -> Integer.compareUnsigned(x, y) < 0;
                case JLE -> Integer.compareUnsigned(x, y) <= 0;
                case JSGT -> x > y;
                case JSGE -> x >= y;
                case JSLT -> x < y;
                case JSLE -> x <= y;
                case JSET -> (x & y) != 0;
                default -> throw new IllegalArgumentException("jump op " + op);
            };
        }
        return switch (op) {
            case JEQ -> a == b;
            case JNE -> a != b;
            case JGT -> Long.compareUnsigned(a, b) > 0;
            case JGE -> Long.compareUnsigned(a, b) >= 0;
            case JLT -> Long.compareUnsigned(a, b) < 0;
            case JLE -> Long.compareUnsigned(a, b) <= 0;
            case JSGT -> a > b;
            case JSGE -> a >= b;
            case JSLT -> a < b;
            case JSLE -> a <= b;
            case JSET -> (a & b) != 0;
            default -> throw new IllegalArgumentException("jump op " + op);
        };
    }

    private static int flip(int op) {
        return switch (op) {
            case JGT -> JLT;
            case JGE -> JLE;
            case JLT -> JGT;
            case JLE -> JGE;
            case JSGT -> JSLT;
            case JSGE -> JSLE;
            case JSLT -> JSGT;
            case JSLE -> JSGE;
            default -> op;
        };
    }

    private static int unsignedOf(int op) {
        return switch (op) {
            case JSGT -> JGT;
            case JSGE -> JGE;
            case JSLT -> JLT;
            case JSLE -> JLE;
            default -> op;
        };
    }

    private void scalarBranch(Instruction insn, AbstractState s, Reg dst, Reg src, boolean is32, int fall,
                              int taken) {
        int op = insn.op();
        if (dst.isConst() && src.isConst()) {
            propagate(evalConst(op, is32, dst.umin(), src.umin()) ? taken : fall, s);
            return;
        }
        boolean signed = op == JSGT || op == JSGE || op == JSLT || op == JSLE;
        long width = is32 ? (signed ? 0x7fffffffL : U32) : (signed ? Long.MAX_VALUE : -1L);
        boolean refinable = op != JSET && ule(dst.umax(), width) && ule(src.umax(), width);
        int regno;
        Reg r;
        long c;
        int uop = unsignedOf(op);
        if (refinable && src.isConst()) {
            regno = insn.dst();
            r = dst;
            c = src.umin();
        } else if (refinable && dst.isConst() && insn.source() == X) {
            regno = insn.src();
            r = src;
            c = dst.umin();
            uop = flip(uop);
        } else {
            propagate(fall, s.copy());
            propagate(taken, s);
            return;
        }
        Reg[] sides = refine(uop, r.umin(), r.umax(), c); // [taken, fall], null when impossible
        if (sides[1] != null) {
            AbstractState f = sides[0] != null ? s.copy() : s;
            f.top().regs[regno] = sides[1];
            propagate(fall, f);
        }
        if (sides[0] != null) {
            s.top().regs[regno] = sides[0];
            propagate(taken, s);
        }
    }

    /** Ranges of a register in [a, b] (unsigned) after "reg op c" is true (index 0) and false (index 1). */
    private static Reg[] refine(int op, long a, long b, long c) {
        Reg t;
        Reg f;
        switch (op) {
            case JEQ -> {
                t = ule(a, c) && ule(c, b) ? Reg.constant(c) : null;
                f = a == b && a == c ? null : Reg.scalar(a == c ? a + 1 : a, b == c ? b - 1 : b);
            }
            case JNE -> {
                Reg[] eq = refine(JEQ, a, b, c);
                t = eq[1];
                f = eq[0];
            }
            case JGT -> {
                t = Long.compareUnsigned(b, c) > 0 ? Reg.scalar(ule(a, c) ? c + 1 : a, b) : null;
                f = ule(a, c) ? Reg.scalar(a, ule(b, c) ? b : c) : null;
            }
            case JGE -> {
                t = ule(c, b) ? Reg.scalar(ule(c, a) ? a : c, b) : null;
                f = Long.compareUnsigned(a, c) < 0 ? Reg.scalar(a, Long.compareUnsigned(b, c) < 0 ? b : c - 1) : null;
            }
            case JLT -> {
                Reg[] ge = refine(JGE, a, b, c);
                t = ge[1];
                f = ge[0];
            }
            case JLE -> {
                Reg[] gt = refine(JGT, a, b, c);
                t = gt[1];
                f = gt[0];
            }
            default -> {
                t = Reg.scalar(a, b);
                f = t;
            }
        }
        return new Reg[] {t, f};
    }

    // ---- stack size ----

    private static int roundUp(int depth) {
        return (Math.max(depth, 1) + 31) / 32 * 32;
    }

    private void checkCombinedStack() {
        int n = st.subprogs.length;
        int[] worst = new int[n];
        int[] via = new int[n];
        boolean[] done = new boolean[n];
        for (int f = n - 1; f >= 0; f--) {
            worstOf(f, worst, via, done);
        }
        if (worst[0] > STACK_SIZE) {
            int f = 0;
            int sum = 0;
            int frames = 0;
            int lastCall = -1;
            while (true) {
                sum += roundUp(stackDepth[f]);
                frames++;
                if (sum > STACK_SIZE) {
                    fail(lastCall, "combined stack size of " + frames + " calls is " + sum + ". Too large");
                }
                int[] edge = null;
                for (int[] e : st.callees.get(f)) {
                    if (worst[e[0]] == worst[f] - roundUp(stackDepth[f])) {
                        edge = e;
                        break;
                    }
                }
                if (edge == null) {
                    fail(-1, "combined stack size is " + worst[0] + ". Too large");
                }
                lastCall = edge[1];
                f = edge[0];
            }
        }
    }

    private int worstOf(int f, int[] worst, int[] via, boolean[] done) {
        if (done[f]) {
            return worst[f];
        }
        int below = 0;
        for (int[] e : st.callees.get(f)) {
            below = Math.max(below, worstOf(e[0], worst, via, done));
        }
        worst[f] = roundUp(stackDepth[f]) + below;
        done[f] = true;
        return worst[f];
    }
}
