package dev.ebpf4j.vm.context;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

/**
 * Raw memory as the BPF conformance suite passes it: r1 = address of a writable copy of the bytes (0
 * when there are none), r2 = their length. {@link ContextInstance#contextOut()} gives the bytes after the run.
 */
public record MemoryContext(byte[] bytes) implements ProgramContext {

    public MemoryContext {
        bytes = bytes == null ? new byte[0] : bytes.clone();
    }

    public static MemoryContext of(byte[] bytes) {
        return new MemoryContext(bytes);
    }

    public static MemoryContext empty() {
        return new MemoryContext(new byte[0]);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public ContextInstance bind(AddressSpace memory) {
        MemorySegment seg = Segments.copyOf(bytes);
        Region r = bytes.length == 0 ? null : memory.map(Region.Kind.MEMORY, "mem", seg, true, true, null, null);
        return new ContextInstance() {
            @Override
            public long r1() {
                return r == null ? 0 : r.base();
            }

            @Override
            public long r2() {
                return bytes.length;
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
