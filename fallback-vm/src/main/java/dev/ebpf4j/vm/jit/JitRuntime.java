package dev.ebpf4j.vm.jit;

import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.interp.Code;
import dev.ebpf4j.vm.interp.Execution;
import dev.ebpf4j.vm.interp.Interpreter;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Static methods generated code calls for what is not worth inlining as bytecode: division with the eBPF
 * rules, byte swaps, faults with the interpreter's wording and location, tail calls, {@code callx},
 * {@code LD_ABS}/{@code LD_IND}. Package-private: only hidden classes of this package call it.
 */
final class JitRuntime {
    private JitRuntime() {}

    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // Accesses of generated code to a region's byte[] (Region.bytes()), after its own window check.

    static short get16(byte[] a, int i) {
        return (short) LE16.get(a, i);
    }

    static int get32(byte[] a, int i) {
        return (int) LE32.get(a, i);
    }

    static long get64(byte[] a, int i) {
        return (long) LE64.get(a, i);
    }

    static void set16(byte[] a, int i, short v) {
        LE16.set(a, i, v);
    }

    static void set32(byte[] a, int i, int v) {
        LE32.set(a, i, v);
    }

    static void set64(byte[] a, int i, long v) {
        LE64.set(a, i, v);
    }

    // ---- arithmetic ----

    static long udiv64(long a, long b) {
        return b == 0 ? 0 : Long.divideUnsigned(a, b);
    }

    static long sdiv64(long a, long b) {
        return b == 0 ? 0 : a / b;
    }

    static long umod64(long a, long b) {
        return b == 0 ? a : Long.remainderUnsigned(a, b);
    }

    static long smod64(long a, long b) {
        return b == 0 ? a : a % b;
    }

    static long udiv32(int a, int b) {
        return b == 0 ? 0 : Integer.divideUnsigned(a, b) & 0xffff_ffffL;
    }

    static long sdiv32(int a, int b) {
        return b == 0 ? 0 : (a / b) & 0xffff_ffffL;
    }

    static long umod32(int a, int b) {
        return (b == 0 ? a : Integer.remainderUnsigned(a, b)) & 0xffff_ffffL;
    }

    static long smod32(int a, int b) {
        return (b == 0 ? a : a % b) & 0xffff_ffffL;
    }

    static long bswap16(long v) {
        return Short.reverseBytes((short) v) & 0xffffL;
    }

    static long bswap32(long v) {
        return Integer.reverseBytes((int) v) & 0xffff_ffffL;
    }

    // ---- frames and faults ----

    /**
     * The region of {@code address} when compiled code may access it straight through its segment (readable, not
     * a context whose fields the VM rewrites), else null. Bounds and writability are checked at each access.
     */
    static Region cacheable(AddressSpace mem, long address) {
        return direct(mem.region(address));
    }

    /** {@code r} when compiled code may access it straight through its memory, else null. */
    private static Region direct(Region r) {
        return r != null && r.access() == null && r.readable() ? r : null;
    }

    /** The packet region of {@code ex}'s context when compiled code may access it directly ({@link #cacheable}), else null. */
    static Region packetRegion(Execution ex) {
        ContextInstance ctx = ex.context();
        return ctx == null ? null : direct(ctx.packet());
    }

    /**
     * The packet's array for the accesses the verifier proved inside it: null when the run has no packet compiled
     * code may access directly, no array behind it, or ({@code write}) a packet it may not write.
     */
    static byte[] packetBytes(Execution ex, boolean write) {
        Region p = packetRegion(ex);
        return p == null || write && !p.writable() ? null : p.bytes();
    }

    /** The address of byte 0 of the run's packet region (0 without one). */
    static long packetBase(Execution ex) {
        Region p = packetRegion(ex);
        return p == null ? 0 : p.base();
    }

    /** The backing segment of the stack frame whose top is {@code r10}. */
    static MemorySegment frame(Execution ex, long r10) {
        return ex.memory().region(r10).segment();
    }

    /** {@code e}, thrown by the instruction at {@code pc}, as the interpreter reports it. */
    static RuntimeException locate(RuntimeException e, int pc, Code code) {
        if (e instanceof BpfRuntimeException b) {
            return b.at(code.name(), pc, code.text(pc));
        }
        if (e instanceof Interpreter.ProgramEnd) {
            return e;
        }
        return new BpfRuntimeException("internal error: " + e, e).at(code.name(), pc, code.text(pc));
    }

    static RuntimeException missingHelper(Execution ex, int id) {
        return new BpfRuntimeException(ex.vm().helpers().describeMissing(id));
    }

    static RuntimeException offTheEnd(int pc) {
        return new BpfRuntimeException("execution ran off the end of the program (slot " + pc + ")");
    }

    static RuntimeException invalid(int op) {
        return new BpfRuntimeException("invalid instruction (opcode 0x" + Integer.toHexString(op & 0xff) + ")");
    }

    // ---- control transfers ----

    /**
     * A helper asked for a tail call: the current frame is given up and the target runs from its first
     * instruction in the same frame slot (so with the same stack memory, as in the interpreter), compiled
     * when the JIT takes it.
     */
    static long tailCall(Execution ex, long r1, long r2, long r3, long r4, long r5) {
        VmProgram next = ex.takeTailCall();
        ex.leaveFrame();
        JitProgram compiled = next.compilation().program();
        if (compiled != null) {
            return compiled.code.entry(ex, r1, r2, r3, r4, r5);
        }
        Code code = next.code();
        return ex.callFunction(code.functionAddress(0), r1, r2, r3, r4, r5);
    }

    /** {@code callx}: the target must be a function address of this program (the interpreter's rule); it runs interpreted. */
    static long callx(Execution ex, Code code, long address, long r1, long r2, long r3, long r4, long r5) {
        AddressSpace mem = ex.memory();
        Region r = mem.region(address);
        long off = AddressSpace.offset(address);
        if (r == null || r.owner() != code || off < 0 || (off & 7) != 0 || off / 8 >= code.length()
                || isSecondSlot(code, (int) (off / 8))) {
            throw new BpfRuntimeException(String.format(
                    "callx target 0x%x is not the address of a function of this program (callx takes a function "
                            + "pointer from lddw of a function; it is outside RFC 9669 and integer helper ids are not accepted)",
                    address));
        }
        return ex.callFunction(address, r1, r2, r3, r4, r5);
    }

    private static boolean isSecondSlot(Code code, int slot) {
        int s = 0;
        while (s < slot) {
            s += code.instruction(s).slots();
        }
        return s != slot;
    }

    /** LD_ABS / LD_IND: a big-endian packet load; out of bounds ends the program with r0 = 0. */
    static long legacyLoad(Execution ex, long offset, int size) {
        ContextInstance ctx = ex.context();
        Region p = ctx == null ? null : ctx.packet();
        if (p == null) {
            throw new BpfRuntimeException("LD_ABS/LD_IND need a context with a packet (socket filter or tc)");
        }
        long start = ctx.dataOffset();
        long len = ctx.dataEndOffset() - start;
        if (offset < 0 || offset + size > len) {
            throw Interpreter.ProgramEnd.INSTANCE;
        }
        long at = start + offset;
        return switch (size) {
            case 1 -> p.segment().get(Segments.U8, at) & 0xffL;
            case 2 -> p.segment().get(Segments.BE16, at) & 0xffffL;
            default -> p.segment().get(Segments.BE32, at) & 0xffff_ffffL;
        };
    }
}
