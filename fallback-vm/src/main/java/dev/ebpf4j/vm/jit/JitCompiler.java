package dev.ebpf4j.vm.jit;

import static dev.ebpf4j.object.insn.Opcode.*;
import static java.lang.constant.ConstantDescs.*;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.constant.ClassDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.vm.helpers.Helper;
import dev.ebpf4j.vm.helpers.HelperTable;
import dev.ebpf4j.vm.interp.Code;
import dev.ebpf4j.vm.interp.Execution;

/**
 * Translates a {@link Code} to a hidden class.
 *
 * <p>Shape: one static method {@code f<slot>(Execution, r1..r5) -> r0} per BPF function (the entry at slot 0 and
 * every target of a BPF-to-BPF call); a method holds every instruction reachable from its entry without calls,
 * in slot order, with a label per jump target, so jumps are JVM branches. Registers r0-r10 are {@code long}
 * locals. A method enters its own 512-byte frame through {@link Execution#enterFrame()} (the interpreter's
 * frames: same limits, same memory), so r6-r9 of the caller survive a call as JVM locals.
 *
 * <p>Memory: loads and stores at a constant offset of r10 that lie inside the frame use the frame's
 * {@code MemorySegment} directly (still bounds-checked by the segment). Other plain loads and stores go through a
 * one-region cache in the method's locals (the region, its slot id, the address and length of its window, read when
 * it is cached; it starts on the run's packet and goes back to it after every call, since helpers move packet
 * ends, so packet accesses in a loop never take the lookup, whose calls would make C2 spill the loop's registers):
 * an access whose bytes lie in that window (one unsigned compare) goes to the region directly (writability checked for a store): a region over a
 * {@code byte[]}, as packets are, through the array with a byte-array view (one array bounds check, where a segment
 * access costs C2 its class, bounds, alignment and session checks), others through the segment. Otherwise an access
 * to the cached region is checked against its live window, and one to another region resolves and caches it
 * ({@code JitRuntime.cacheable}); whatever does not pass calls {@code AddressSpace.load/store}, which
 * makes the access or throws the interpreter's fault. Atomics always call {@code AddressSpace.atomic}. A function
 * that never names r10 enters its frame as clean ({@code Execution.enterCleanFrame}): it cannot write it.
 *
 * <p>Packet accesses the verifier proved inside the packet ({@code VmProgram.verified}) index the packet's
 * {@code byte[]} directly (read at entry and after every call): the array's bounds check is their only check, as the
 * kernel's JIT trusts its verifier.
 *
 * <p>Budget: instructions are counted down in one local ({@code budget - executed}) per straight-line run, which
 * ends at a jump, call or exit, or before a jump target, so the count is exact wherever it is read. It is checked at
 * checkpoints only: the entry, every target of a backward jump (every cycle has one) and after every call. A
 * checkpoint knows the longest path to the next one; when the budget left may not cover it, the function goes on
 * in the interpreter ({@code Interpreter.resume}, same frame, same registers), whose budget fault is exact. A loop
 * then pays one compare per iteration.
 *
 * <p>Faults: every instruction that can throw has its own exception-table entry whose handler locates the
 * exception at that slot, as the interpreter's catch does. Nothing runs per instruction for that.
 */
final class JitCompiler {

    /** Why the JIT does not take a program. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message);
        }
    }

    /** Largest JVM method. */
    static final int MAX_METHOD = 65535;

    private static final ClassDesc CD_EXECUTION = ClassDesc.of("dev.ebpf4j.vm.interp.Execution");
    private static final ClassDesc CD_CODE = ClassDesc.of("dev.ebpf4j.vm.interp.Code");
    private static final ClassDesc CD_ADDRESS_SPACE = ClassDesc.of("dev.ebpf4j.vm.memory.AddressSpace");
    private static final ClassDesc CD_SEGMENTS = ClassDesc.of("dev.ebpf4j.vm.memory.Segments");
    private static final ClassDesc CD_REGION = ClassDesc.of("dev.ebpf4j.vm.memory.Region");
    private static final ClassDesc CD_HELPER = ClassDesc.of("dev.ebpf4j.vm.helpers.Helper");
    private static final ClassDesc CD_HELPER_CONTEXT = ClassDesc.of("dev.ebpf4j.vm.helpers.HelperContext");
    private static final ClassDesc CD_RUNTIME = ClassDesc.of("dev.ebpf4j.vm.jit.JitRuntime");
    private static final ClassDesc CD_COMPILED = ClassDesc.of("dev.ebpf4j.vm.jit.CompiledCode");
    private static final ClassDesc CD_SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
    private static final ClassDesc CD_RUNTIME_EXCEPTION = ClassDesc.of("java.lang.RuntimeException");
    private static final ClassDesc CD_OF_BYTE = ClassDesc.of("java.lang.foreign.ValueLayout$OfByte");
    private static final ClassDesc CD_OF_SHORT = ClassDesc.of("java.lang.foreign.ValueLayout$OfShort");
    private static final ClassDesc CD_OF_INT = ClassDesc.of("java.lang.foreign.ValueLayout$OfInt");
    private static final ClassDesc CD_OF_LONG = ClassDesc.of("java.lang.foreign.ValueLayout$OfLong");

    private static final MethodTypeDesc MTD_FUNCTION =
            MethodTypeDesc.of(CD_long, CD_EXECUTION, CD_long, CD_long, CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MTD_HELPER =
            MethodTypeDesc.of(CD_long, CD_HELPER_CONTEXT, CD_long, CD_long, CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MTD_JJ_J = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MTD_II_J = MethodTypeDesc.of(CD_long, CD_int, CD_int);
    private static final MethodTypeDesc MTD_J_J = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc MTD_EXCEPTION = MethodTypeDesc.of(CD_RUNTIME_EXCEPTION);
    private static final ClassDesc CD_INTERPRETER = ClassDesc.of("dev.ebpf4j.vm.interp.Interpreter");
    private static final MethodTypeDesc MTD_RESUME = MethodTypeDesc.of(CD_long, CD_EXECUTION, CD_CODE, CD_int,
            CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long);

    // local variable slots: the arguments r1..r5 first, then the rest
    private static final int EX = 0;
    private static final int R0 = 11;
    /** Instructions the budget still allows ({@code budget - executed}): one local, counted down. */
    private static final int LEFT = 23;
    private static final int FRAME = 27;
    private static final int SPACE = 28;
    private static final int DEPTH = 29;
    /** The region of the last load or store that went through the region cache, and its slot id ({@code -1}: none). */
    private static final int CREG = 30;
    private static final int CID = 31;
    /** Address and offset of the access being made. */
    private static final int TADDR = 33;
    private static final int TOFF = 35;
    /** The {@code byte[]} behind the cached region ({@code Region.bytes()}), or null. */
    private static final int CARR = 37;
    /**
     * The cached region's window {@code [lo, hi)}, read when it is cached (only helpers move a packet's ends: the
     * cache is set again after every call): {@code lo}, the address of the window's first byte and its length. An
     * access of {@code s} bytes at {@code a} hits when {@code a - first < max(0, length - s + 1)}, unsigned: one
     * compare for the region, both ends of the window and the size. Length 0 (no region, dropped) never hits.
     */
    private static final int CLO = 39;
    private static final int CFIRST = 41;
    private static final int CLEN = 43;
    /**
     * For loads and stores the verifier proved inside the packet: the packet region's {@code byte[]} (null when it
     * has none, or when a store needs it writable and it is not) and the address of its byte 0, read at entry and
     * after every call.
     */
    private static final int PARR = 45;
    private static final int PBASE = 46;
    /** HotSpot compiles no method larger than this ({@code -XX:HugeMethodLimit}, with {@code DontCompileHugeMethods}). */
    static final int HUGE_METHOD = 8000;
    private static final int[] REG = {R0, 1, 3, 5, 7, 9, 13, 15, 17, 19, 21};

    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.defaultResolver().orElse(
                    ClassHierarchyResolver.ofClassLoading(JitCompiler.class.getClassLoader()))));

    private final Code code;
    private final HelperTable helpers;
    /** Slots of the loads and stores the verifier proved inside the packet. */
    private final BitSet packetAccesses;
    private final int length;
    private final Instruction[] insn;
    private final List<Object> classData = new ArrayList<>();
    private final Map<Helper, Integer> helperIndex = new IdentityHashMap<>();
    private final TreeSet<Integer> functions = new TreeSet<>();
    private ClassDesc self;
    private int compiling;
    /** Whether loads and stores outside the frame are inlined through the region cache (else one call each). */
    private final boolean inlineAccess;
    /** Loads and stores emitted through the region cache. */
    private int inlinedAccesses;

    private JitCompiler(Code code, HelperTable helpers, BitSet packetAccesses, boolean inlineAccess) {
        this.code = code;
        this.helpers = helpers;
        this.packetAccesses = packetAccesses;
        this.inlineAccess = inlineAccess;
        this.length = code.length();
        this.insn = new Instruction[length];
        for (int pc = 0; pc < length; pc += code.instruction(pc).slots()) {
            insn[pc] = code.instruction(pc);
        }
        classData.add(code);
    }

    /** Compiles {@code code} with no verifier facts. */
    static JitProgram compile(Code code, HelperTable helpers) {
        return compile(code, helpers, new BitSet());
    }

    /**
     * Compiles {@code code}; helpers are looked up in {@code helpers} now (a VM's table is immutable);
     * {@code packetAccesses} are the slots of loads and stores the verifier proved inside the packet.
     */
    static JitProgram compile(Code code, HelperTable helpers, BitSet packetAccesses) {
        JitCompiler first = new JitCompiler(code, helpers, packetAccesses, true);
        JitProgram p;
        try {
            p = first.compile();
        } catch (Refusal r) {
            if (first.inlinedAccesses == 0) {
                throw r;
            }
            // too large with the inlined accesses: one call per access may still fit in a JVM method
            return new JitCompiler(code, helpers, packetAccesses, false).compile();
        }
        if (p.largestMethod() > HUGE_METHOD && first.inlinedAccesses > 0) {
            // the inlined accesses made a method too large for HotSpot to compile: smaller code that gets compiled wins
            JitProgram small = new JitCompiler(code, helpers, packetAccesses, false).compile();
            if (small.largestMethod() < p.largestMethod()) {
                return small;
            }
        }
        return p;
    }

    private JitProgram compile() {
        functions.add(0);
        for (int pc = 0; pc < length; pc++) {
            Instruction i = insn[pc];
            if (i != null && i.opcode() == CALL_OP && i.src() == Pseudo.CALL) {
                functions.add(pc + 1 + i.imm());
            }
        }
        String simple = "Bpf_" + code.name().replaceAll("[^A-Za-z0-9_]", "_");
        self = ClassDesc.of("dev.ebpf4j.vm.jit", simple.length() > 80 ? simple.substring(0, 80) : simple);
        byte[] bytes;
        try {
            bytes = CLASS_FILE.build(self, clb -> {
                clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
                clb.withInterfaceSymbols(CD_COMPILED);
                clb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                        cb -> cb.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
                clb.withMethodBody("entry", MTD_FUNCTION, ClassFile.ACC_PUBLIC, cb -> {
                    cb.aload(1);
                    for (int r = 1; r <= 5; r++) {
                        cb.lload(2 * r);
                    }
                    cb.invokestatic(self, "f0", MTD_FUNCTION).lreturn();
                });
                for (int entry : functions) {
                    compiling = entry;
                    clb.withMethodBody("f" + entry, MTD_FUNCTION, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC,
                            cb -> new FunctionEmitter(cb, entry).emit());
                }
            });
        } catch (IllegalArgumentException | IllegalStateException e) {
            String m = String.valueOf(e.getMessage());
            if (m.toLowerCase(java.util.Locale.ROOT).contains("code length") || m.contains("too large")
                    || m.contains("65535") || m.contains("too big")) {
                throw new Refusal("the function at slot " + compiling + " does not fit in one JVM method (64 KiB of bytecode): " + m);
            }
            throw e;
        }
        int total = 0;
        int largest = 0;
        ClassModel model = ClassFile.of().parse(bytes);
        for (MethodModel m : model.methods()) {
            int size = m.findAttribute(Attributes.code()).map(c -> c.codeLength()).orElse(0);
            if (size > MAX_METHOD) {
                throw new Refusal("method " + m.methodName().stringValue() + " has " + size
                        + " bytes of bytecode, more than a JVM method may hold (65535)");
            }
            total += size;
            largest = Math.max(largest, size);
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup()
                    .defineHiddenClassWithClassData(bytes, List.copyOf(classData), true);
            CompiledCode compiled = (CompiledCode) lookup.findConstructor(lookup.lookupClass(),
                    java.lang.invoke.MethodType.methodType(void.class)).invoke();
            return new JitProgram(compiled, code.name(), functions.size(), total, largest);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot instantiate the compiled class", t);
        }
    }

    /** The index in the class data of {@code h}. */
    private int constant(Helper h) {
        return helperIndex.computeIfAbsent(h, k -> {
            classData.add(k);
            return classData.size() - 1;
        });
    }

    private static DynamicConstantDesc<Object> classData(int index, ClassDesc type) {
        return DynamicConstantDesc.ofNamed(BSM_CLASS_DATA_AT, DEFAULT_NAME, type, index);
    }

    private static int size(int op) {
        return switch (op & SIZE_MASK) {
            case B -> 1;
            case H -> 2;
            case W -> 4;
            default -> 8;
        };
    }

    /** Emits one BPF function as one JVM method. */
    private final class FunctionEmitter {
        private final CodeBuilder cb;
        private final int entry;
        private final boolean[] reach;
        private final boolean[] target;
        private final Label[] labels;
        /** Where the budget is checked, and how far each checkpoint may run unchecked ({@link #checkpoints()}). */
        private final boolean[] checkpoint;
        private final int[] reachLength;
        private final List<Runnable> outOfLine = new ArrayList<>();
        private Label commonHandler;
        private boolean usesFrame;
        /** True when a load or store of this function goes through the region cache. */
        private boolean usesCache;
        /** True when a load or store of this function was proven inside the packet; and when one of them stores. */
        private boolean usesPacket;
        private boolean storesPacket;
        /** True when an instruction of this function names r10: only then can its frame be written. */
        private boolean usesR10;

        FunctionEmitter(CodeBuilder cb, int entry) {
            this.cb = cb;
            this.entry = entry;
            this.reach = new boolean[length + 1];
            this.target = new boolean[length + 1];
            this.labels = new Label[length + 1];
            this.checkpoint = new boolean[length + 1];
            this.reachLength = new int[length + 1];
        }

        // ---- analysis ----

        private int[] successors(int pc) {
            if (pc == length) {
                return new int[0];
            }
            Instruction i = insn[pc];
            int op = i.opcode();
            int cls = op & CLASS_MASK;
            if (op == LD_IMM64) {
                return new int[] {pc + 2};
            }
            if (cls == JMP || cls == JMP32) {
                return switch (op & OP_MASK) {
                    case JA -> new int[] {pc + 1 + (cls == JMP32 ? i.imm() : i.off())};
                    case EXIT -> new int[0];
                    case CALL -> new int[] {pc + 1};
                    default -> new int[] {pc + 1, pc + 1 + i.off()};
                };
            }
            return new int[] {pc + 1};
        }

        /** True for a call of a helper or a BPF function ({@code call}, {@code callx}). */
        private boolean isCall(int pc) {
            if (pc == length) {
                return false;
            }
            int op = insn[pc].opcode();
            int cls = op & CLASS_MASK;
            return (cls == JMP || cls == JMP32) && (op & OP_MASK) == CALL;
        }

        private boolean isJump(int pc) {
            if (pc == length) {
                return false;
            }
            int op = insn[pc].opcode();
            int cls = op & CLASS_MASK;
            return (cls == JMP || cls == JMP32) && (op & OP_MASK) != CALL && (op & OP_MASK) != EXIT;
        }

        private void analyse() {
            ArrayDeque<Integer> work = new ArrayDeque<>();
            reach[entry] = true;
            target[entry] = true;
            work.push(entry);
            while (!work.isEmpty()) {
                int pc = work.pop();
                boolean jump = isJump(pc);
                int[] next = successors(pc);
                for (int k = 0; k < next.length; k++) {
                    int n = next[k];
                    if (jump && (k == 1 || next.length == 1)) {
                        target[n] = true;
                    }
                    if (!reach[n]) {
                        reach[n] = true;
                        work.push(n);
                    }
                }
                if (!usesFrame && pc < length && stackOffset(pc) >= 0) {
                    usesFrame = true;
                }
                if (inlineAccess && pc < length && cachedAccess(pc)) {
                    if (provenPacket(pc)) {
                        usesPacket = true;
                        storesPacket |= (insn[pc].opcode() & CLASS_MASK) != LDX;
                    } else {
                        usesCache = true;
                    }
                }
                if (pc < length && (insn[pc].dst() == 10 || insn[pc].src() == 10)) {
                    usesR10 = true;
                }
            }
            for (int pc = 0; pc <= length; pc++) {
                if (target[pc]) {
                    labels[pc] = cb.newLabel();
                }
            }
            checkpoints();
        }

        /** True for a plain load or store (not atomic) outside the frame: one that goes through the region cache. */
        private boolean cachedAccess(int pc) {
            int op = insn[pc].opcode();
            int cls = op & CLASS_MASK;
            int mode = op & MODE_MASK;
            boolean plain = cls == LDX ? mode == MEM || mode == MEMSX : (cls == ST || cls == STX) && mode == MEM;
            return plain && stackOffset(pc) < 0;
        }

        /** True for a plain load or store outside the frame that the verifier proved inside the packet. */
        private boolean provenPacket(int pc) {
            return inlineAccess && packetAccesses.get(pc) && cachedAccess(pc);
        }

        /** For a load or store at a constant offset of r10 inside the frame: the offset in the frame; else -1. */
        private int stackOffset(int pc) {
            Instruction i = insn[pc];
            int op = i.opcode();
            int cls = op & CLASS_MASK;
            int mode = op & MODE_MASK;
            int base;
            if (cls == LDX && (mode == MEM || mode == MEMSX)) {
                base = i.src();
            } else if ((cls == ST || cls == STX) && mode == MEM) {
                base = i.dst();
            } else {
                return -1;
            }
            int at = Execution.STACK_SIZE + i.off();
            return base == 10 && at >= 0 && at + size(op) <= Execution.STACK_SIZE ? at : -1;
        }

        /**
         * True when the instruction transfers control or may end the program ({@code LD_ABS}/{@code LD_IND}): the
         * count must be exact after it. (A fault mid-run ends the run with no count to report.)
         */
        private boolean endsRun(int pc) {
            if (pc == length) {
                return true;
            }
            int op = insn[pc].opcode();
            int cls = op & CLASS_MASK;
            return switch (cls) {
                case ALU, ALU64, LDX, ST, STX -> false;
                case LD -> op != LD_IMM64;
                default -> true;
            };
        }

        /**
         * Marks the budget's checkpoints and how far each may run unchecked: the entry, every target of a jump
         * backwards (every cycle goes through one) and every instruction after a call (the callee spent an unknown
         * part of the budget). {@code reachLength[c]} is the most instructions a path from checkpoint {@code c}
         * executes before the next checkpoint, the function's exit or a call, all three included (the paths
         * between checkpoints only go forwards, so one pass backwards over the slots finds it).
         */
        private void checkpoints() {
            checkpoint[entry] = true;
            for (int pc = 0; pc < length; pc++) {
                if (!reach[pc]) {
                    continue;
                }
                if (isCall(pc)) {
                    checkpoint[pc + 1] = true;
                } else if (isJump(pc)) {
                    for (int next : successors(pc)) {
                        if (next <= pc) {
                            checkpoint[next] = true;
                        }
                    }
                }
            }
            for (int pc = length; pc >= 0; pc--) {
                if (!reach[pc]) {
                    continue;
                }
                int longest = 0;
                if (!isCall(pc)) {
                    for (int next : successors(pc)) {
                        if (!checkpoint[next]) {
                            longest = Math.max(longest, reachLength[next]);
                        }
                    }
                }
                reachLength[pc] = 1 + longest;
            }
        }

        /** Instructions in the straight-line run starting at {@code pc}. */
        private int runLength(int pc) {
            int n = 0;
            int q = pc;
            while (true) {
                n++;
                if (endsRun(q)) {
                    return n;
                }
                int next = q + insn[q].slots();
                if (target[next]) {
                    return n;
                }
                q = next;
            }
        }

        // ---- emission ----

        void emit() {
            analyse();
            // prologue (outside every exception range: a frame overflow is located at the caller's call)
            cb.aload(EX).invokevirtual(CD_EXECUTION, usesR10 ? "enterFrame" : "enterCleanFrame", MethodTypeDesc.of(CD_long))
                    .lstore(REG[10]);
            cb.aload(EX).invokevirtual(CD_EXECUTION, "depth", MethodTypeDesc.of(CD_int)).istore(DEPTH);
            if (usesFrame) {
                cb.aload(EX).lload(REG[10])
                        .invokestatic(CD_RUNTIME, "frame", MethodTypeDesc.of(CD_SEGMENT, CD_EXECUTION, CD_long))
                        .astore(FRAME);
            }
            cb.aload(EX).invokevirtual(CD_EXECUTION, "memory", MethodTypeDesc.of(CD_ADDRESS_SPACE)).astore(SPACE);
            if (usesCache) {
                primeCache();
            }
            if (usesPacket) {
                loadPacket();
            }
            loadLeft();
            for (int r : new int[] {0, 6, 7, 8, 9}) {
                cb.lconst_0().lstore(REG[r]);
            }
            int first = 0;
            while (!reach[first]) {
                first++;
            }
            if (first != entry) {
                cb.goto_(labels[entry]);
            }
            boolean open = false;
            for (int pc = first; pc <= length; pc++) {
                if (!reach[pc]) {
                    continue;
                }
                if (labels[pc] != null) {
                    cb.labelBinding(labels[pc]);
                }
                if (!open || target[pc]) {
                    if (checkpoint[pc]) {
                        checkBudget(pc);
                    }
                    charge(runLength(pc));
                }
                instruction(pc);
                open = !endsRun(pc);
            }
            for (int k = 0; k < outOfLine.size(); k++) {
                outOfLine.get(k).run();
            }
            if (commonHandler != null) {
                // stack: the exception, the slot
                cb.labelBinding(commonHandler);
                cb.aload(EX).iload(DEPTH).iconst_1().isub()
                        .invokevirtual(CD_EXECUTION, "unwindTo", MethodTypeDesc.of(CD_void, CD_int));
                cb.ldc(classData(0, CD_CODE));
                cb.invokestatic(CD_RUNTIME, "locate", MethodTypeDesc.of(CD_RUNTIME_EXCEPTION, CD_RUNTIME_EXCEPTION, CD_int, CD_CODE));
                cb.athrow();
            }
        }

        /** Counts {@code n} instructions (a checkpoint before made sure the budget has them). */
        private void charge(int n) {
            cb.lload(LEFT).loadConstant((long) n).lsub().lstore(LEFT);
        }

        /**
         * At checkpoint {@code pc}: when what the budget leaves may not cover every path to the next checkpoint,
         * the function goes on in the interpreter from here (the budget's fault, when it comes, is then the
         * interpreter's own, at the instruction it names), and returns what the interpreter returns.
         */
        private void checkBudget(int pc) {
            Label short_ = cb.newLabel();
            cb.lload(LEFT).loadConstant((long) reachLength[pc]).lcmp().iflt(short_);
            outOfLine.add(() -> {
                cb.labelBinding(short_);
                syncOut();
                guarded(pc, () -> {
                    cb.aload(EX).ldc(classData(0, CD_CODE)).loadConstant(pc);
                    for (int r = 0; r <= 10; r++) {
                        cb.lload(REG[r]);
                    }
                    cb.invokestatic(CD_INTERPRETER, "resume", MTD_RESUME);
                });
                cb.lreturn();
            });
        }

        /** Emits {@code body} with an exception-table entry that locates its faults at {@code pc}. */
        /** After a load of {@code size} bytes: a sign-extending load ({@code MEMSX}) widens the value from its size. */
    private void signExtendLoaded(int op, int size) {
        if ((op & MODE_MASK) == MEMSX) {
            switch (size) {
                case 1 -> cb.l2i().i2b().i2l();
                case 2 -> cb.l2i().i2s().i2l();
                default -> cb.l2i().i2l();
            }
        }
    }

    private void guarded(int pc, Runnable body) {
            Label start = cb.newBoundLabel();
            body.run();
            Label end = cb.newBoundLabel();
            Label handler = cb.newLabel();
            if (commonHandler == null) {
                commonHandler = cb.newLabel();
            }
            cb.exceptionCatch(start, end, handler, CD_RUNTIME_EXCEPTION);
            outOfLine.add(() -> {
                cb.labelBinding(handler);
                cb.loadConstant(pc).goto_(commonHandler);
            });
        }

        private void syncOut() {
            cb.aload(EX);
            executedOnStack();
            cb.invokevirtual(CD_EXECUTION, "executed", MethodTypeDesc.of(CD_void, CD_long));
        }

        /** Pushes the count of executed instructions: the budget less what is left. */
        private void executedOnStack() {
            cb.aload(EX).invokevirtual(CD_EXECUTION, "budget", MethodTypeDesc.of(CD_long)).lload(LEFT).lsub();
        }

        /** Reads what the budget leaves from the {@link Execution}. */
        private void loadLeft() {
            cb.aload(EX).invokevirtual(CD_EXECUTION, "budget", MethodTypeDesc.of(CD_long))
                    .aload(EX).invokevirtual(CD_EXECUTION, "executed", MethodTypeDesc.of(CD_long)).lsub().lstore(LEFT);
        }

        /** After a call: the count back from the {@link Execution}; the region cache dropped (a helper may move a packet's ends). */
        private void syncIn() {
            loadLeft();
            if (usesCache) {
                primeCache();
            }
            if (usesPacket) {
                loadPacket();
            }
        }

        /** The packet's array and base, for the accesses proven inside it (a helper may have moved or replaced it). */
        private void loadPacket() {
            cb.aload(EX).loadConstant(storesPacket ? 1 : 0)
                    .invokestatic(CD_RUNTIME, "packetBytes", MethodTypeDesc.of(CD_byte.arrayType(), CD_EXECUTION, CD_boolean))
                    .astore(PARR);
            cb.aload(EX).invokestatic(CD_RUNTIME, "packetBase", MethodTypeDesc.of(CD_long, CD_EXECUTION)).lstore(PBASE);
        }

        /**
         * Caches the run's packet region (when it has one that can be accessed directly), else nothing: a program's
         * packet accesses then hit from the first, so the lookup never runs in its loops (where its calls would make
         * C2 spill the loop's registers around them).
         */
        private void primeCache() {
            Label none = cb.newLabel();
            Label done = cb.newLabel();
            cb.aload(EX).invokestatic(CD_RUNTIME, "packetRegion", MethodTypeDesc.of(CD_REGION, CD_EXECUTION))
                    .dup().astore(CREG).ifnull(none);
            cb.aload(CREG).invokevirtual(CD_REGION, "id", MethodTypeDesc.of(CD_int)).i2l().lstore(CID);
            cb.aload(CREG).invokevirtual(CD_REGION, "bytes", MethodTypeDesc.of(CD_byte.arrayType())).astore(CARR);
            cb.aload(CREG).invokevirtual(CD_REGION, "lo", MethodTypeDesc.of(CD_long)).lstore(CLO);
            cb.aload(CREG).invokevirtual(CD_REGION, "hi", MethodTypeDesc.of(CD_long)).lload(CLO).lsub().lstore(CLEN);
            cb.aload(CREG).invokevirtual(CD_REGION, "base", MethodTypeDesc.of(CD_long)).lload(CLO).ladd().lstore(CFIRST);
            cb.goto_(done);
            cb.labelBinding(none);
            cb.aconst_null().astore(CARR).loadConstant(-1L).lstore(CID);
            cb.lconst_0().lstore(CLO).lconst_0().lstore(CFIRST).lconst_0().lstore(CLEN);
            cb.labelBinding(done);
        }

        private void args() {
            for (int r = 1; r <= 5; r++) {
                cb.lload(REG[r]);
            }
        }

        private void instruction(int pc) {
            if (pc == length) {
                guarded(pc, () -> cb.loadConstant(pc)
                        .invokestatic(CD_RUNTIME, "offTheEnd", MethodTypeDesc.of(CD_RUNTIME_EXCEPTION, CD_int)).athrow());
                return;
            }
            Instruction i = insn[pc];
            int op = i.opcode();
            switch (op & CLASS_MASK) {
                case ALU64 -> alu64(i);
                case ALU -> alu32(i);
                case JMP, JMP32 -> jump(pc, i);
                case LDX, ST, STX -> memory(pc, i);
                case LD -> {
                    if (op == LD_IMM64) {
                        cb.loadConstant(code.loadValue(pc)).lstore(REG[i.dst()]);
                    } else {
                        legacyLoad(pc, i);
                    }
                }
                default -> invalid(pc, op);
            }
        }

        private void invalid(int pc, int op) {
            guarded(pc, () -> cb.loadConstant(op)
                    .invokestatic(CD_RUNTIME, "invalid", MethodTypeDesc.of(CD_RUNTIME_EXCEPTION, CD_int)).athrow());
        }

        // ---- ALU ----

        private void alu64(Instruction i) {
            int op = i.opcode();
            int d = REG[i.dst()];
            boolean x = (op & X) != 0;
            int code = op & OP_MASK;
            int k = i.imm();
            switch (code) {
                case NEG -> {
                    cb.lload(d).lneg().lstore(d);
                    return;
                }
                case MOV -> {
                    if (!x) {
                        cb.loadConstant((long) k);
                    } else {
                        cb.lload(REG[i.src()]);
                        switch (i.off()) {
                            case 8 -> cb.l2i().i2b().i2l();
                            case 16 -> cb.l2i().i2s().i2l();
                            case 32 -> cb.l2i().i2l();
                            default -> { }
                        }
                    }
                    cb.lstore(d);
                    return;
                }
                case END -> {
                    cb.lload(d);
                    swap(k);
                    cb.lstore(d);
                    return;
                }
                default -> { }
            }
            cb.lload(d);
            boolean shift = code == LSH || code == RSH || code == ARSH;
            if (shift) {
                if (x) {
                    cb.lload(REG[i.src()]).l2i();
                } else {
                    cb.loadConstant(k);
                }
            } else if (x) {
                cb.lload(REG[i.src()]);
            } else {
                cb.loadConstant((long) k);
            }
            boolean signed = i.off() == 1;
            switch (code) {
                case ADD -> cb.ladd();
                case SUB -> cb.lsub();
                case MUL -> cb.lmul();
                case OR -> cb.lor();
                case AND -> cb.land();
                case XOR -> cb.lxor();
                case LSH -> cb.lshl();
                case RSH -> cb.lushr();
                case ARSH -> cb.lshr();
                case DIV -> {
                    if (!x && k != 0 && signed) {
                        cb.ldiv();
                    } else {
                        cb.invokestatic(CD_RUNTIME, signed ? "sdiv64" : "udiv64", MTD_JJ_J);
                    }
                }
                case MOD -> {
                    if (!x && k != 0 && signed) {
                        cb.lrem();
                    } else {
                        cb.invokestatic(CD_RUNTIME, signed ? "smod64" : "umod64", MTD_JJ_J);
                    }
                }
                default -> throw new Refusal("unexpected ALU64 opcode 0x" + Integer.toHexString(op));
            }
            cb.lstore(d);
        }

        private void swap(int width) {
            switch (width) {
                case 16 -> cb.invokestatic(CD_RUNTIME, "bswap16", MTD_J_J);
                case 32 -> cb.invokestatic(CD_RUNTIME, "bswap32", MTD_J_J);
                default -> cb.invokestatic(CD_Long, "reverseBytes", MTD_J_J);
            }
        }

        private void zeroExtend() {
            cb.i2l().loadConstant(0xffff_ffffL).land();
        }

        private void alu32(Instruction i) {
            int op = i.opcode();
            int d = REG[i.dst()];
            boolean x = (op & X) != 0;
            int code = op & OP_MASK;
            int k = i.imm();
            switch (code) {
                case NEG -> {
                    cb.lload(d).l2i().ineg();
                    zeroExtend();
                    cb.lstore(d);
                    return;
                }
                case MOV -> {
                    if (!x) {
                        cb.loadConstant(k & 0xffff_ffffL);
                    } else {
                        cb.lload(REG[i.src()]).l2i();
                        switch (i.off()) {
                            case 8 -> cb.i2b();
                            case 16 -> cb.i2s();
                            default -> { }
                        }
                        zeroExtend();
                    }
                    cb.lstore(d);
                    return;
                }
                case END -> {
                    cb.lload(d);
                    if (x) {
                        swap(k);
                    } else if (k == 16) {
                        cb.loadConstant(0xffffL).land();
                    } else if (k == 32) {
                        cb.loadConstant(0xffff_ffffL).land();
                    }
                    cb.lstore(d);
                    return;
                }
                default -> { }
            }
            cb.lload(d).l2i();
            if (x) {
                cb.lload(REG[i.src()]).l2i();
            } else {
                cb.loadConstant(k);
            }
            boolean signed = i.off() == 1;
            switch (code) {
                case ADD -> cb.iadd();
                case SUB -> cb.isub();
                case MUL -> cb.imul();
                case OR -> cb.ior();
                case AND -> cb.iand();
                case XOR -> cb.ixor();
                case LSH -> cb.ishl();
                case RSH -> cb.iushr();
                case ARSH -> cb.ishr();
                case DIV -> {
                    cb.invokestatic(CD_RUNTIME, signed ? "sdiv32" : "udiv32", MTD_II_J).lstore(d);
                    return;
                }
                case MOD -> {
                    cb.invokestatic(CD_RUNTIME, signed ? "smod32" : "umod32", MTD_II_J).lstore(d);
                    return;
                }
                default -> throw new Refusal("unexpected ALU opcode 0x" + Integer.toHexString(op));
            }
            zeroExtend();
            cb.lstore(d);
        }

        // ---- jumps, calls, exit ----

        private void jump(int pc, Instruction i) {
            int op = i.opcode();
            boolean wide = (op & CLASS_MASK) == JMP;
            int code = op & OP_MASK;
            switch (code) {
                case JA -> {
                    cb.goto_(labels[pc + 1 + (wide ? i.off() : i.imm())]);
                    return;
                }
                case EXIT -> {
                    syncOut();
                    cb.aload(EX).invokevirtual(CD_EXECUTION, "leaveFrame", MTD_void);
                    cb.lload(R0).lreturn();
                    return;
                }
                case CALL -> {
                    call(pc, i);
                    return;
                }
                case JCOND -> {
                    cb.aload(EX).invokevirtual(CD_EXECUTION, "mayGotoJumps", MethodTypeDesc.of(CD_boolean));
                    cb.ifne(labels[pc + 1 + i.off()]);
                    return;
                }
                default -> { }
            }
            Label to = labels[pc + 1 + i.off()];
            boolean x = (op & X) != 0;
            int d = REG[i.dst()];
            int k = i.imm();
            boolean unsigned = code == JGT || code == JGE || code == JLT || code == JLE;
            if (wide) {
                cb.lload(d);
                if (code == JSET) {
                    if (x) {
                        cb.lload(REG[i.src()]);
                    } else {
                        cb.loadConstant((long) k);
                    }
                    cb.land().lconst_0().lcmp().ifne(to);
                    return;
                }
                if (x) {
                    cb.lload(REG[i.src()]);
                } else {
                    cb.loadConstant((long) k);
                }
                if (unsigned) {
                    // C2 turns compareUnsigned and the branch on its sign into one unsigned compare
                    cb.invokestatic(CD_Long, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long));
                } else {
                    cb.lcmp();
                }
                switch (code) {
                    case JEQ -> cb.ifeq(to);
                    case JNE -> cb.ifne(to);
                    case JGT, JSGT -> cb.ifgt(to);
                    case JGE, JSGE -> cb.ifge(to);
                    case JLT, JSLT -> cb.iflt(to);
                    case JLE, JSLE -> cb.ifle(to);
                    default -> throw new Refusal("unexpected jump opcode 0x" + Integer.toHexString(op));
                }
                return;
            }
            cb.lload(d).l2i();
            if (code == JSET) {
                if (x) {
                    cb.lload(REG[i.src()]).l2i();
                } else {
                    cb.loadConstant(k);
                }
                cb.iand().ifne(to);
                return;
            }
            if (x) {
                cb.lload(REG[i.src()]).l2i();
            } else {
                cb.loadConstant(k);
            }
            if (unsigned) {
                cb.invokestatic(CD_Integer, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_int, CD_int));
                switch (code) {
                    case JGT -> cb.ifgt(to);
                    case JGE -> cb.ifge(to);
                    case JLT -> cb.iflt(to);
                    case JLE -> cb.ifle(to);
                    default -> throw new Refusal("unexpected jump opcode 0x" + Integer.toHexString(op));
                }
                return;
            }
            switch (code) {
                case JEQ -> cb.if_icmpeq(to);
                case JNE -> cb.if_icmpne(to);
                case JGT, JSGT -> cb.if_icmpgt(to);
                case JGE, JSGE -> cb.if_icmpge(to);
                case JLT, JSLT -> cb.if_icmplt(to);
                case JLE, JSLE -> cb.if_icmple(to);
                default -> throw new Refusal("unexpected jump opcode 0x" + Integer.toHexString(op));
            }
        }

        private void call(int pc, Instruction i) {
            if (i.opcode() == CALLX_OP) {
                syncOut();
                guarded(pc, () -> {
                    cb.aload(EX).ldc(classData(0, CD_CODE)).lload(REG[i.dst()]);
                    args();
                    cb.invokestatic(CD_RUNTIME, "callx", MethodTypeDesc.of(CD_long, CD_EXECUTION, CD_CODE, CD_long,
                            CD_long, CD_long, CD_long, CD_long, CD_long));
                    cb.lstore(R0);
                });
                syncIn();
                return;
            }
            if (i.src() == Pseudo.CALL) {
                syncOut();
                guarded(pc, () -> {
                    cb.aload(EX);
                    args();
                    cb.invokestatic(self, "f" + (pc + 1 + i.imm()), MTD_FUNCTION).lstore(R0);
                });
                syncIn();
                return;
            }
            Helper h = helpers.get(i.imm());
            if (h == null) {
                guarded(pc, () -> cb.aload(EX).loadConstant(i.imm())
                        .invokestatic(CD_RUNTIME, "missingHelper", MethodTypeDesc.of(CD_RUNTIME_EXCEPTION, CD_EXECUTION, CD_int))
                        .athrow());
                return;
            }
            int index = constant(h);
            syncOut();
            guarded(pc, () -> {
                cb.ldc(classData(index, CD_HELPER)).aload(EX);
                args();
                cb.invokeinterface(CD_HELPER, "call", MTD_HELPER).lstore(R0);
            });
            syncIn();
            Label go = cb.newLabel();
            cb.aload(EX).invokevirtual(CD_EXECUTION, "tailCallPending", MethodTypeDesc.of(CD_boolean)).ifeq(go);
            guarded(pc, () -> {
                cb.aload(EX);
                args();
                cb.invokestatic(CD_RUNTIME, "tailCall", MTD_FUNCTION);
            });
            cb.lreturn();
            cb.labelBinding(go);
        }

        // ---- memory ----

        private void memory(int pc, Instruction i) {
            int op = i.opcode();
            int cls = op & CLASS_MASK;
            int size = size(op);
            int at = stackOffset(pc);
            if (at >= 0) {
                stack(i, cls, size, at);
                return;
            }
            if ((op & MODE_MASK) == ATOMIC) {
                atomic(pc, i, size);
                return;
            }
            if (provenPacket(pc)) {
                inlinedAccesses++;
                guarded(pc, () -> packetAccess(i, cls, size));
                return;
            }
            if (usesCache) {
                inlinedAccesses++;
                guarded(pc, () -> cachedAccess(i, cls, size));
                return;
            }
            guarded(pc, () -> spaceAccess(i, cls, size, () -> address(i, cls)));
        }

        /** Pushes the address a load or store accesses: its base register plus its offset. */
        private void address(Instruction i, int cls) {
            cb.lload(REG[cls == LDX ? i.src() : i.dst()]).loadConstant((long) i.off()).ladd();
        }

        /** The access through {@code AddressSpace.load/store}, which makes it or throws its fault. */
        private void spaceAccess(Instruction i, int cls, int size, Runnable address) {
            cb.aload(SPACE);
            address.run();
            cb.loadConstant(size);
            if (cls == LDX) {
                cb.invokevirtual(CD_ADDRESS_SPACE, "load", MethodTypeDesc.of(CD_long, CD_long, CD_int));
                signExtendLoaded(i.opcode(), size);
                cb.lstore(REG[i.dst()]);
                return;
            }
            if (cls == ST) {
                cb.loadConstant((long) i.imm());
            } else {
                cb.lload(REG[i.src()]);
            }
            cb.invokevirtual(CD_ADDRESS_SPACE, "store", MethodTypeDesc.of(CD_void, CD_long, CD_int, CD_long));
        }

        /**
         * A load or store the verifier proved inside the packet: straight into the packet's array, whose bounds
         * check is the only one; without an array (a packet over other memory), through the address space.
         */
        private void packetAccess(Instruction i, int cls, int size) {
            Label slow = cb.newLabel();
            Label done = cb.newLabel();
            cb.aload(PARR).ifnull(slow);
            cb.aload(PARR);
            address(i, cls);
            cb.lload(PBASE).lsub().l2i();
            if (cls == LDX) {
                arrayGet(size);
                extendLoaded(i.opcode(), size);
                cb.lstore(REG[i.dst()]);
            } else {
                storedValue(i, cls, size);
                arraySet(size);
            }
            cb.goto_(done);
            cb.labelBinding(slow);
            spaceAccess(i, cls, size, () -> address(i, cls));
            cb.labelBinding(done);
        }

        /**
         * A load or store through the one-region cache of this method: when the address lies in the cached region
         * (same slot id) and {@code [offset, offset + size)} inside its window (read live, as helpers move packet
         * ends), the access goes straight to the region's segment; otherwise the region is looked up
         * ({@code JitRuntime.cacheable}: readable memory that is not a rewritten context) and cached, and what still
         * does not pass goes to {@code AddressSpace.load/store}, which makes the access or throws its fault.
         */
        private void cachedAccess(Instruction i, int cls, int size) {
            int op = i.opcode();
            boolean load = cls == LDX;
            Label miss = cb.newLabel();
            Label hit = cb.newLabel();
            Label slow = cb.newLabel();
            Label popSlow = cb.newLabel();
            Label done = cb.newLabel();
            Label access = cb.newLabel();
            Label exact = cb.newLabel();
            cb.lload(REG[load ? i.src() : i.dst()]).loadConstant((long) i.off()).ladd().lstore(TADDR);
            cb.lload(TADDR).lload(CFIRST).lsub().dup2().lstore(TOFF)
                    .lload(CLEN).loadConstant((long) (1 - size)).ladd().lconst_0()
                    .invokestatic(ClassDesc.of("java.lang.Math"), "max", MethodTypeDesc.of(CD_long, CD_long, CD_long))
                    .invokestatic(CD_Long, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long)).ifge(miss);
            cb.lload(TOFF).lload(CLO).ladd().lstore(TOFF);
            cb.labelBinding(access);
            if (!load) {
                cb.aload(CREG).invokevirtual(CD_REGION, "writable", MethodTypeDesc.of(CD_boolean)).ifeq(slow);
            }
            String field = switch (size) {
                case 1 -> "U8";
                case 2 -> "U16";
                case 4 -> "U32";
                default -> "U64";
            };
            // a region over a byte[]: the array, through a byte-array view (the JVM's bounds check is one compare)
            Label segment = cb.newLabel();
            cb.aload(CARR).ifnull(segment);
            cb.aload(CARR).lload(TOFF).l2i();
            if (load) {
                arrayGet(size);
                extendLoaded(op, size);
                cb.lstore(REG[i.dst()]);
            } else {
                storedValue(i, cls, size);
                arraySet(size);
            }
            cb.goto_(done);
            cb.labelBinding(segment);
            cb.aload(CREG).invokevirtual(CD_REGION, "segment", MethodTypeDesc.of(CD_SEGMENT))
                    .getstatic(CD_SEGMENTS, field, layout(size)).lload(TOFF);
            if (load) {
                cb.invokeinterface(CD_SEGMENT, "get", MethodTypeDesc.of(javaType(size), layout(size), CD_long));
                extendLoaded(op, size);
                cb.lstore(REG[i.dst()]);
            } else {
                storedValue(i, cls, size);
                cb.invokeinterface(CD_SEGMENT, "set", MethodTypeDesc.of(CD_void, layout(size), CD_long, javaType(size)));
            }
            cb.goto_(done);
            // a different region: look it up, cache it when it can be accessed directly
            Label lookup = cb.newLabel();
            cb.labelBinding(miss);
            cb.goto_(hit);
            cb.labelBinding(lookup);
            cb.aload(SPACE).lload(TADDR)
                    .invokestatic(CD_RUNTIME, "cacheable", MethodTypeDesc.of(CD_REGION, CD_ADDRESS_SPACE, CD_long))
                    .dup().ifnull(popSlow);
            cb.astore(CREG).lload(TADDR).loadConstant(32).lushr().lstore(CID);
            cb.aload(CREG).invokevirtual(CD_REGION, "bytes", MethodTypeDesc.of(CD_byte.arrayType())).astore(CARR);
            cb.aload(CREG).invokevirtual(CD_REGION, "lo", MethodTypeDesc.of(CD_long)).lstore(CLO);
            cb.aload(CREG).invokevirtual(CD_REGION, "hi", MethodTypeDesc.of(CD_long)).lload(CLO).lsub().lstore(CLEN);
            cb.aload(CREG).invokevirtual(CD_REGION, "base", MethodTypeDesc.of(CD_long)).lload(CLO).ladd().lstore(CFIRST)
                    .goto_(exact);
            // the cached region, checked against its live window
            cb.labelBinding(hit);
            cb.lload(TADDR).loadConstant(32).lushr().lload(CID).lcmp().ifne(lookup);
            cb.labelBinding(exact);
            cb.lload(TADDR).loadConstant(0xffff_ffffL).land().loadConstant(dev.ebpf4j.vm.memory.Region.GUARD).lsub()
                    .lstore(TOFF);
            cb.aload(CREG).invokevirtual(CD_REGION, "lo", MethodTypeDesc.of(CD_long)).lload(TOFF).lcmp().ifgt(slow);
            cb.lload(TOFF).loadConstant((long) size).ladd()
                    .aload(CREG).invokevirtual(CD_REGION, "hi", MethodTypeDesc.of(CD_long)).lcmp().ifgt(slow);
            cb.goto_(access);
            cb.labelBinding(popSlow);
            cb.pop();
            // the general path: the access or its fault
            cb.labelBinding(slow);
            spaceAccess(i, cls, size, () -> cb.lload(TADDR));
            cb.labelBinding(done);
        }

        /** With a {@code byte[]} and an int index on the stack: the little-endian value of {@code size} bytes there. */
        private void arrayGet(int size) {
            if (size == 1) {
                cb.baload();
                return;
            }
            cb.invokestatic(CD_RUNTIME, "get" + 8 * size,
                    MethodTypeDesc.of(javaType(size), CD_byte.arrayType(), CD_int));
        }

        /** With a {@code byte[]}, an int index and a value on the stack: stores the value little-endian there. */
        private void arraySet(int size) {
            if (size == 1) {
                cb.bastore();
                return;
            }
            cb.invokestatic(CD_RUNTIME, "set" + 8 * size,
                    MethodTypeDesc.of(CD_void, CD_byte.arrayType(), CD_int, javaType(size)));
        }

        /** Widens the value a segment load left on the stack to a long: zero- or (MEMSX) sign-extended. */
        private void extendLoaded(int op, int size) {
            boolean sx = (op & MODE_MASK) == MEMSX;
            switch (size) {
                case 1 -> {
                    cb.i2l();
                    if (!sx) {
                        cb.loadConstant(0xffL).land();
                    }
                }
                case 2 -> {
                    cb.i2l();
                    if (!sx) {
                        cb.loadConstant(0xffffL).land();
                    }
                }
                case 4 -> {
                    if (sx) {
                        cb.i2l();
                    } else {
                        zeroExtend();
                    }
                }
                default -> { }
            }
        }

        /** Pushes the value a store writes, narrowed to the segment's Java type. */
        private void storedValue(Instruction i, int cls, int size) {
            if (cls == ST) {
                int k = i.imm();
                switch (size) {
                    case 1 -> cb.loadConstant((int) (byte) k);
                    case 2 -> cb.loadConstant((int) (short) k);
                    case 4 -> cb.loadConstant(k);
                    default -> cb.loadConstant((long) k);
                }
            } else {
                cb.lload(REG[i.src()]);
                switch (size) {
                    case 1 -> cb.l2i().i2b();
                    case 2 -> cb.l2i().i2s();
                    case 4 -> cb.l2i();
                    default -> { }
                }
            }
        }

        private ClassDesc layout(int size) {
            return switch (size) {
                case 1 -> CD_OF_BYTE;
                case 2 -> CD_OF_SHORT;
                case 4 -> CD_OF_INT;
                default -> CD_OF_LONG;
            };
        }

        private ClassDesc javaType(int size) {
            return switch (size) {
                case 1 -> CD_byte;
                case 2 -> CD_short;
                case 4 -> CD_int;
                default -> CD_long;
            };
        }

        /** A load or store inside the current frame: straight on its segment. */
        private void stack(Instruction i, int cls, int size, int at) {
            String field = switch (size) {
                case 1 -> "U8";
                case 2 -> "U16";
                case 4 -> "U32";
                default -> "U64";
            };
            cb.aload(FRAME).getstatic(CD_SEGMENTS, field, layout(size)).loadConstant((long) at);
            if (cls == LDX) {
                cb.invokeinterface(CD_SEGMENT, "get", MethodTypeDesc.of(javaType(size), layout(size), CD_long));
                extendLoaded(i.opcode(), size);
                cb.lstore(REG[i.dst()]);
                return;
            }
            storedValue(i, cls, size);
            cb.invokeinterface(CD_SEGMENT, "set", MethodTypeDesc.of(CD_void, layout(size), CD_long, javaType(size)));
        }

        private void atomic(int pc, Instruction i, int size) {
            int k = i.imm();
            MethodTypeDesc atomic = MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_int, CD_long, CD_long);
            guarded(pc, () -> {
                cb.aload(SPACE).loadConstant(k);
                if (k == LOAD_ACQ) {
                    cb.lload(REG[i.src()]).loadConstant((long) i.off()).ladd().loadConstant(size).lconst_0().lconst_0();
                    cb.invokevirtual(CD_ADDRESS_SPACE, "atomic", atomic).lstore(REG[i.dst()]);
                    return;
                }
                cb.lload(REG[i.dst()]).loadConstant((long) i.off()).ladd().loadConstant(size).lload(REG[i.src()]);
                if (k == CMPXCHG) {
                    cb.lload(R0).invokevirtual(CD_ADDRESS_SPACE, "atomic", atomic).lstore(R0);
                } else {
                    cb.lconst_0().invokevirtual(CD_ADDRESS_SPACE, "atomic", atomic);
                    if (k != STORE_REL && (k & FETCH) != 0) {
                        cb.lstore(REG[i.src()]);
                    } else {
                        cb.pop2();
                    }
                }
            });
        }

        private void legacyLoad(int pc, Instruction i) {
            int op = i.opcode();
            int mode = op & MODE_MASK;
            if (mode != ABS && mode != IND) {
                invalid(pc, op);
                return;
            }
            syncOut();
            guarded(pc, () -> {
                cb.aload(EX);
                if (mode == IND) {
                    cb.lload(REG[i.src()]).l2i().i2l().loadConstant((long) i.imm()).ladd();
                } else {
                    cb.loadConstant((long) i.imm());
                }
                cb.loadConstant(size(op))
                        .invokestatic(CD_RUNTIME, "legacyLoad", MethodTypeDesc.of(CD_long, CD_EXECUTION, CD_long, CD_int))
                        .lstore(R0);
            });
        }
    }
}
