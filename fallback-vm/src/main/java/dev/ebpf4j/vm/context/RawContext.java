package dev.ebpf4j.vm.context;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

/**
 * The context of tracing programs as bytes the caller supplies: {@code struct bpf_raw_tracepoint_args}
 * (an array of u64 arguments) for raw_tp, a tracepoint's record, {@code struct pt_regs} for a kprobe.
 * Programs may read it but not write it (as the kernel's verifier enforces for these types).
 */
public record RawContext(byte[] bytes, boolean writable) implements ProgramContext {

    public RawContext {
        bytes = bytes.clone();
    }

    /** A read-only context holding {@code bytes}. */
    public static RawContext of(byte[] bytes) {
        return new RawContext(bytes, false);
    }

    /** {@code struct bpf_raw_tracepoint_args} / a fentry argument array: {@code args[i]} at offset 8*i. */
    public static RawContext args(long... args) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(8, args.length * 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (long a : args) {
            b.putLong(a);
        }
        return new RawContext(b.array(), false);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public ContextInstance bind(AddressSpace memory) {
        MemorySegment seg = Segments.copyOf(bytes);
        Region r = memory.map(Region.Kind.CONTEXT, "ctx", seg, true, writable, null, null);
        return new ContextInstance() {
            @Override
            public long r1() {
                return r.base();
            }

            @Override
            public boolean reset() {
                MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
                return true;
            }

            @Override
            public byte[] contextOut() {
                return seg.toArray(ValueLayout.JAVA_BYTE);
            }
        };
    }
}
