package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.TreeSet;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;

/**
 * The structural checks that need no dataflow: opcodes and their fields, registers, {@code lddw} sources and map
 * references, jump and call targets, subprogram boundaries, reachability and the static call graph. The kernel
 * does the same in {@code resolve_pseudo_ldimm64}, {@code check_subprogs}, {@code check_cfg} and the field checks
 * at the top of {@code do_check}.
 */
final class Structure {
    /** The kernel's limit on program length ({@code BPF_COMPLEXITY_LIMIT_INSNS}). */
    static final int MAX_INSNS = 1_000_000;
    /** {@code MAX_CALL_FRAMES}. */
    static final int MAX_CALL_FRAMES = 8;

    final List<Instruction> insns;
    final int slotCount;
    /** slot -> instruction (null for the second slot of an lddw). */
    final Instruction[] at;
    /** slot -> the map an lddw refers to (null otherwise). */
    final MapInfo[] mapAt;
    /** slot -> true when a src-0 lddw is a resolved extern (address of {@link #mapAt} value). */
    final boolean[] externAt;
    /** First slot of every function, ascending (0 first). */
    final int[] subprogs;
    /** Function index -> deepest call chain below it, in frames (1 for a leaf). */
    final int[] framesBelow;
    /** Function index -> functions it calls or passes as callback, with the slot of the call. */
    final List<List<int[]>> callees;

    private final VerifierOptions options;

    Structure(List<Instruction> insns, VerifierOptions options) {
        this.insns = insns;
        this.options = options;
        if (insns.isEmpty()) {
            throw new VerifierException(-1, "program is empty", "");
        }
        int slots = 0;
        for (Instruction insn : insns) {
            if (insn == null) {
                throw new VerifierException(slots, "missing instruction", "");
            }
            slots += insn.slots();
        }
        if (slots > MAX_INSNS) {
            throw new VerifierException(-1, "program is too large: " + slots + " insns (limit " + MAX_INSNS + ")", "");
        }
        this.slotCount = slots;
        this.at = new Instruction[slots];
        this.mapAt = new MapInfo[slots];
        this.externAt = new boolean[slots];
        int s = 0;
        for (Instruction insn : insns) {
            at[s] = insn;
            s += insn.slots();
        }
        for (s = 0; s < slots; s++) {
            if (at[s] != null) {
                checkFields(s, at[s]);
            }
        }
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (s = 0; s < slots; s++) {
            Instruction insn = at[s];
            if (insn == null) {
                continue;
            }
            if (insn.hasJumpTarget() || isFuncLoad(insn)) {
                long target = (long) s + 1 + (isFuncLoad(insn) ? insn.imm() : insn.jumpOffset());
                if (target < 0 || target >= slots) {
                    throw new VerifierException(s, insn.isBpfToBpfCall() || isFuncLoad(insn)
                            ? "call to invalid destination " + target
                            : "jump out of range from insn " + s + " to " + target, "");
                }
                if (at[(int) target] == null) {
                    throw new VerifierException(s, "jump into the middle of ldimm64 insn " + (target - 1), "");
                }
                if (insn.isBpfToBpfCall() || isFuncLoad(insn)) {
                    starts.add((int) target);
                }
            }
        }
        this.subprogs = starts.stream().mapToInt(Integer::intValue).toArray();
        checkSubprograms();
        checkReachable();
        this.callees = new ArrayList<>();
        for (int f = 0; f < subprogs.length; f++) {
            callees.add(new ArrayList<>());
        }
        for (s = 0; s < slots; s++) {
            Instruction insn = at[s];
            if (insn != null && (insn.isBpfToBpfCall() || isFuncLoad(insn))) {
                int target = s + 1 + (isFuncLoad(insn) ? insn.imm() : insn.jumpOffset());
                callees.get(subprogOf(s)).add(new int[] {subprogOf(target), s});
            }
        }
        this.framesBelow = new int[subprogs.length];
        checkCallGraph();
        checkLegacyPacketLoads();
    }

    static boolean isFuncLoad(Instruction insn) {
        return insn.isLoadImm64() && insn.src() == Pseudo.FUNC;
    }

    /** Index of the function that contains {@code slot}. */
    int subprogOf(int slot) {
        int i = Arrays.binarySearch(subprogs, slot);
        return i >= 0 ? i : -i - 2;
    }

    /** Slot after the last one of function {@code f}. */
    int subprogEnd(int f) {
        return f + 1 < subprogs.length ? subprogs[f + 1] : slotCount;
    }

    // ---- fields ----

    private void fail(int slot, String reason) {
        throw new VerifierException(slot, reason, "");
    }

    private void reg(int slot, int r) {
        if (r > 10) {
            fail(slot, "invalid register r" + r);
        }
    }

    private void writable(int slot, int r) {
        if (r == 10) {
            fail(slot, "R10 is read only");
        }
    }

    private void invalidOpcode(int slot, Instruction insn) {
        fail(slot, String.format("invalid opcode 0x%02x", insn.opcode()));
    }

    private void checkFields(int slot, Instruction insn) {
        int code = insn.opcode();
        int cls = code & CLASS_MASK;
        switch (cls) {
            case LD -> checkLd(slot, insn);
            case LDX -> {
                int mode = insn.mode();
                if (!(mode == MEM || mode == MEMSX && insn.size() != DW)) {
                    invalidOpcode(slot, insn);
                }
                reg(slot, insn.dst());
                reg(slot, insn.src());
                if (insn.imm() != 0) {
                    fail(slot, "BPF_LDX uses reserved fields");
                }
                writable(slot, insn.dst());
            }
            case ST -> {
                if (insn.mode() != MEM) {
                    invalidOpcode(slot, insn);
                }
                reg(slot, insn.dst());
                if (insn.src() != 0) {
                    fail(slot, "BPF_ST uses reserved fields");
                }
            }
            case STX -> {
                int mode = insn.mode();
                if (mode == MEM) {
                    reg(slot, insn.dst());
                    reg(slot, insn.src());
                    if (insn.imm() != 0) {
                        fail(slot, "BPF_STX uses reserved fields");
                    }
                } else if (mode == ATOMIC && (insn.size() == W || insn.size() == DW)) {
                    reg(slot, insn.dst());
                    reg(slot, insn.src());
                    int op = insn.imm();
                    boolean ok = switch (op) {
                        case ATOMIC_ADD, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR, ATOMIC_ADD | FETCH, ATOMIC_OR | FETCH,
                             ATOMIC_AND | FETCH, ATOMIC_XOR | FETCH, XCHG, CMPXCHG -> true;
                        default -> false;
                    };
                    if (!ok) {
                        fail(slot, String.format("BPF_ATOMIC uses invalid atomic opcode %02x", op));
                    }
                    if ((op & FETCH) != 0 && op != CMPXCHG) {
                        writable(slot, insn.src());
                    }
                } else {
                    invalidOpcode(slot, insn);
                }
            }
            case ALU, ALU64 -> checkAlu(slot, insn);
            default -> checkJmp(slot, insn);
        }
    }

    private void checkLd(int slot, Instruction insn) {
        int code = insn.opcode();
        if (code == LD_IMM64) {
            reg(slot, insn.dst());
            writable(slot, insn.dst());
            if (insn.off() != 0) {
                fail(slot, "BPF_LD_IMM64 uses reserved fields");
            }
            switch (insn.src()) {
                case Pseudo.NONE -> {
                    MapInfo extern = options.mapsAtSlot().get(slot);
                    if (extern != null) {
                        mapAt[slot] = extern;
                        externAt[slot] = true;
                    }
                }
                case Pseudo.MAP_FD, Pseudo.MAP_IDX -> {
                    if (insn.nextImm() != 0) {
                        fail(slot, "unrecognized bpf_ld_imm64 insn");
                    }
                    mapAt[slot] = map(slot, insn);
                }
                case Pseudo.MAP_VALUE, Pseudo.MAP_IDX_VALUE -> {
                    MapInfo m = map(slot, insn);
                    if (!m.hasDirectValue()) {
                        fail(slot, "map " + m.name() + " of type " + m.type().bpftoolName()
                                + " does not support direct value access");
                    }
                    long off = insn.nextImm() & 0xffffffffL;
                    if (off >= m.valueSize()) {
                        fail(slot, "invalid access to map value pointer, value_size=" + m.valueSize() + " off=" + off);
                    }
                    mapAt[slot] = m;
                }
                case Pseudo.FUNC -> {
                    if (insn.nextImm() != 0) {
                        fail(slot, "unrecognized bpf_ld_imm64 insn");
                    }
                }
                case Pseudo.BTF_ID -> fail(slot, "lddw of a kernel variable (BTF id " + insn.imm() + ") is not supported");
                default -> fail(slot, "unrecognized bpf_ld_imm64 insn src " + insn.src());
            }
            return;
        }
        int mode = insn.mode();
        if ((mode != ABS && mode != IND) || insn.size() == DW) {
            invalidOpcode(slot, insn);
        }
        reg(slot, insn.dst());
        reg(slot, insn.src());
        if (insn.dst() != 0 || insn.off() != 0 || (mode == ABS && insn.src() != 0)) {
            fail(slot, "BPF_LD_[ABS|IND] uses reserved fields");
        }
    }

    private MapInfo map(int slot, Instruction insn) {
        MapInfo m = options.mapsAtSlot().get(slot);
        if (m == null) {
            m = options.maps().get(insn.imm());
        }
        if (m == null) {
            boolean idx = insn.src() == Pseudo.MAP_IDX || insn.src() == Pseudo.MAP_IDX_VALUE;
            fail(slot, idx ? "map index " + insn.imm() + " is not valid"
                    : "fd " + insn.imm() + " is not pointing to valid bpf_map");
        }
        return m;
    }

    private void checkAlu(int slot, Instruction insn) {
        int op = insn.op();
        boolean alu64 = insn.cls() == ALU64;
        boolean x = insn.source() == X;
        if (op > END) {
            invalidOpcode(slot, insn);
        }
        reg(slot, insn.dst());
        if (op == END) {
            if (alu64 && x) {
                invalidOpcode(slot, insn);
            }
            if (insn.src() != 0 || insn.off() != 0 || (insn.imm() != 16 && insn.imm() != 32 && insn.imm() != 64)) {
                fail(slot, "BPF_END uses reserved fields");
            }
        } else if (op == NEG) {
            if (x) {
                invalidOpcode(slot, insn);
            }
            if (insn.src() != 0 || insn.off() != 0 || insn.imm() != 0) {
                fail(slot, "BPF_NEG uses reserved fields");
            }
        } else if (op == MOV) {
            if (x) {
                reg(slot, insn.src());
                int off = insn.off();
                boolean offOk = off == 0 || off == 8 || off == 16 || (alu64 && off == 32);
                if (insn.imm() != 0 || !offOk) {
                    fail(slot, "BPF_MOV uses reserved fields");
                }
            } else if (insn.src() != 0 || insn.off() != 0) {
                fail(slot, "BPF_MOV uses reserved fields");
            }
        } else {
            boolean divmod = op == DIV || op == MOD;
            boolean offOk = insn.off() == 0 || (divmod && insn.off() == OFF_SIGNED);
            if (x) {
                reg(slot, insn.src());
                if (insn.imm() != 0 || !offOk) {
                    fail(slot, "BPF_ALU uses reserved fields");
                }
            } else {
                if (insn.src() != 0 || !offOk) {
                    fail(slot, "BPF_ALU uses reserved fields");
                }
                if (!options.isaMode()) {
                    if ((op == LSH || op == RSH || op == ARSH)
                            && (insn.imm() < 0 || insn.imm() >= (alu64 ? 64 : 32))) {
                        fail(slot, "invalid shift " + insn.imm());
                    }
                    if (divmod && insn.imm() == 0) {
                        fail(slot, "div by zero");
                    }
                }
            }
        }
        writable(slot, insn.dst());
    }

    private void checkJmp(int slot, Instruction insn) {
        int op = insn.op();
        boolean jmp32 = insn.cls() == JMP32;
        boolean x = insn.source() == X;
        switch (op) {
            case JA -> {
                if (x) {
                    invalidOpcode(slot, insn);
                }
                if (insn.src() != 0 || insn.dst() != 0 || (jmp32 ? insn.off() != 0 : insn.imm() != 0)) {
                    fail(slot, "BPF_JA uses reserved fields");
                }
            }
            case CALL -> {
                if (jmp32) {
                    invalidOpcode(slot, insn);
                }
                if (x) {
                    fail(slot, "callx (indirect call through r" + insn.dst() + ") is not supported");
                }
                if (insn.off() != 0 || insn.dst() != 0
                        || (insn.src() != Pseudo.HELPER_CALL && insn.src() != Pseudo.CALL
                            && insn.src() != Pseudo.KFUNC_CALL)) {
                    fail(slot, "BPF_CALL uses reserved fields");
                }
                if (insn.src() == Pseudo.KFUNC_CALL) {
                    fail(slot, "kernel function calls (kfunc, BTF id " + insn.imm() + ") are not supported");
                }
            }
            case EXIT -> {
                if (jmp32 || x) {
                    invalidOpcode(slot, insn);
                }
                if (insn.src() != 0 || insn.dst() != 0 || insn.off() != 0 || insn.imm() != 0) {
                    fail(slot, "BPF_EXIT uses reserved fields");
                }
            }
            case JCOND -> {
                if (jmp32 || x) {
                    invalidOpcode(slot, insn);
                }
                if (insn.src() != Pseudo.MAY_GOTO || insn.dst() != 0 || insn.imm() != 0) {
                    fail(slot, "may_goto uses reserved fields");
                }
            }
            case 0xf0 -> invalidOpcode(slot, insn);
            default -> {
                reg(slot, insn.dst());
                if (x) {
                    reg(slot, insn.src());
                    if (insn.imm() != 0) {
                        fail(slot, "BPF_JMP/JMP32 uses reserved fields");
                    }
                } else if (insn.src() != 0) {
                    fail(slot, "BPF_JMP/JMP32 uses reserved fields");
                }
            }
        }
    }

    // ---- control flow ----

    /** Successor slots by control flow inside the function (fall-through and jump targets, not calls). */
    int[] successors(int slot) {
        Instruction insn = at[slot];
        int next = slot + insn.slots();
        if (insn.isExit()) {
            return new int[0];
        }
        if (insn.isUnconditionalJump()) {
            return new int[] {insn.jumpTarget(slot)};
        }
        if (insn.isJump()) {
            return new int[] {next, insn.jumpTarget(slot)};
        }
        return new int[] {next};
    }

    private void checkSubprograms() {
        for (int s = 0; s < slotCount; s++) {
            Instruction insn = at[s];
            if (insn != null && insn.isJump()) {
                int target = insn.jumpTarget(s);
                if (subprogOf(target) != subprogOf(s)) {
                    fail(s, "jump out of range from insn " + s + " to " + target);
                }
            }
        }
        for (int f = 0; f < subprogs.length; f++) {
            int end = subprogEnd(f);
            int last = end - 1;
            if (at[last] == null) {
                last--;
            }
            Instruction insn = at[last];
            if (!insn.isExit() && !insn.isUnconditionalJump()) {
                fail(last, "last insn is not an exit or jmp");
            }
        }
    }

    private void checkReachable() {
        boolean[] seen = new boolean[slotCount];
        Deque<Integer> work = new ArrayDeque<>();
        work.push(0);
        seen[0] = true;
        while (!work.isEmpty()) {
            int s = work.pop();
            Instruction insn = at[s];
            List<Integer> next = new ArrayList<>();
            for (int t : successors(s)) {
                next.add(t);
            }
            if (insn.isBpfToBpfCall()) {
                next.add(insn.jumpTarget(s));
            } else if (isFuncLoad(insn)) {
                next.add(s + 1 + insn.imm());
            }
            for (int t : next) {
                if (t >= 0 && t < slotCount && !seen[t]) {
                    seen[t] = true;
                    work.push(t);
                }
            }
        }
        for (int s = 0; s < slotCount; s++) {
            if (at[s] != null && !seen[s]) {
                fail(s, "unreachable insn " + s);
            }
        }
    }

    private void checkCallGraph() {
        int n = subprogs.length;
        int[] color = new int[n]; // 0 new, 1 on stack, 2 done
        // iterative DFS computing frames below each function; recursion is refused
        Deque<int[]> stack = new ArrayDeque<>();
        stack.push(new int[] {0, 0});
        color[0] = 1;
        while (!stack.isEmpty()) {
            int[] top = stack.peek();
            int f = top[0];
            List<int[]> out = callees.get(f);
            if (top[1] < out.size()) {
                int[] edge = out.get(top[1]++);
                int g = edge[0];
                if (color[g] == 1) {
                    fail(edge[1], "recursive call from insn " + edge[1] + " to " + subprogs[g]);
                }
                if (color[g] == 0) {
                    color[g] = 1;
                    stack.push(new int[] {g, 0});
                }
            } else {
                int deepest = 0;
                for (int[] edge : out) {
                    deepest = Math.max(deepest, framesBelow[edge[0]]);
                }
                framesBelow[f] = deepest + 1;
                color[f] = 2;
                stack.pop();
            }
        }
        if (framesBelow[0] > MAX_CALL_FRAMES) {
            // report the call that first goes past the limit along a deepest chain
            int f = 0;
            int frames = 1;
            while (true) {
                for (int[] edge : callees.get(f)) {
                    if (framesBelow[edge[0]] == framesBelow[f] - 1) {
                        frames++;
                        if (frames > MAX_CALL_FRAMES) {
                            fail(edge[1], "the call stack of " + frames + " frames is too deep");
                        }
                        f = edge[0];
                        break;
                    }
                }
            }
        }
    }

    private void checkLegacyPacketLoads() {
        for (int s = 0; s < slotCount; s++) {
            Instruction insn = at[s];
            if (insn == null || !insn.isLegacyPacketLoad()) {
                continue;
            }
            ProgramType t = options.programType();
            if (t != ProgramType.SOCKET_FILTER && t != ProgramType.SCHED_CLS && t != ProgramType.SCHED_ACT) {
                fail(s, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
            }
            if (subprogs.length > 1) {
                fail(s, "BPF_LD_[ABS|IND] instructions cannot be mixed with bpf-to-bpf calls");
            }
        }
    }
}
