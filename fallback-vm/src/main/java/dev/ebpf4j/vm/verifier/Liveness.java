package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.object.insn.Opcode.*;

import dev.ebpf4j.object.insn.Instruction;

/**
 * Which registers may still be read, at each instruction, before they are written: a backward dataflow over each
 * function's control flow. Pruning ignores registers no path reads again (the kernel learns the same from the
 * paths it walked), so states that differ only in dead values count as equal. Every rule over-approximates reads
 * (a call reads R1-R5, whatever the callee takes), which only costs pruning, never soundness.
 */
final class Liveness {
    private static final int ALL_ARGS = 0b111110; // R1-R5
    private static final int CALLER_SAVED = 0b111111; // R0-R5

    /** Bit r set: register r is live on entry to the instruction at that slot. */
    final int[] liveIn;

    Liveness(Structure st) {
        int n = st.slotCount;
        liveIn = new int[n + 1];
        int[] use = new int[n];
        int[] def = new int[n];
        for (int pc = 0; pc < n; pc++) {
            Instruction insn = st.at[pc];
            if (insn != null) {
                effects(insn, pc, use, def);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pc = n - 1; pc >= 0; pc--) {
                Instruction insn = st.at[pc];
                if (insn == null) {
                    continue;
                }
                int out = 0;
                for (int s : st.successors(pc)) {
                    if (s >= 0 && s < n) {
                        out |= liveIn[s];
                    }
                }
                int in = use[pc] | (out & ~def[pc]);
                if (in != liveIn[pc]) {
                    liveIn[pc] = in;
                    changed = true;
                }
            }
        }
    }

    private static int bit(int r) {
        return 1 << r;
    }

    private static void effects(Instruction insn, int pc, int[] use, int[] def) {
        int d = insn.dst();
        int s = insn.src();
        switch (insn.cls()) {
            case ALU, ALU64 -> {
                int op = insn.op();
                int u = op == MOV ? 0 : bit(d);
                if (insn.source() == X && op != NEG && op != END) {
                    u |= bit(s);
                }
                use[pc] = u;
                def[pc] = bit(d);
            }
            case LDX -> {
                use[pc] = bit(s);
                def[pc] = bit(d);
            }
            case ST -> use[pc] = bit(d);
            case STX -> {
                use[pc] = bit(d) | bit(s);
                if (insn.mode() == ATOMIC) {
                    int op = insn.imm();
                    if (op == CMPXCHG) {
                        use[pc] |= bit(0);
                        def[pc] = bit(0);
                    } else if ((op & FETCH) != 0) {
                        def[pc] = bit(s);
                    }
                }
            }
            case LD -> {
                if (insn.isLoadImm64()) {
                    def[pc] = bit(d);
                } else { // legacy packet loads read R6 (and the index), clobber R0-R5
                    use[pc] = bit(6) | (insn.mode() == IND ? bit(s) : 0);
                    def[pc] = CALLER_SAVED;
                }
            }
            default -> {
                if (insn.isExit()) {
                    use[pc] = bit(0);
                } else if (insn.isCall()) {
                    use[pc] = ALL_ARGS;
                    def[pc] = CALLER_SAVED;
                } else if (insn.isConditionalJump() && !insn.isMayGoto()) {
                    use[pc] = bit(d) | (insn.source() == X ? bit(s) : 0);
                }
            }
        }
    }
}
