package dev.ebpf4j.vm.context;

import dev.ebpf4j.vm.memory.Region;

/** A context bound into one run: the registers it sets, its packet, and what it hands back afterwards. */
public abstract class ContextInstance {

    /** r1 at entry: the context pointer. */
    public abstract long r1();

    /** r2 at entry (the length of raw memory for conformance-style runs), else 0. */
    public long r2() {
        return 0;
    }

    /** The packet region, or null when the context has no packet. Its window is {@code [data_meta, data_end)}. */
    public Region packet() {
        return null;
    }

    /** Offset of {@code data} in the packet region. */
    public long dataOffset() {
        return 0;
    }

    /** Offset of {@code data_end} in the packet region. */
    public long dataEndOffset() {
        return packet() == null ? 0 : packet().hi();
    }

    /** The packet bytes {@code [data, data_end)} after the run, or null. */
    public byte[] packetOut() {
        Region p = packet();
        if (p == null) {
            return null;
        }
        return p.segment().asSlice(dataOffset(), dataEndOffset() - dataOffset())
                .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /**
     * Restores, in the same memory and at the same addresses, the state {@code bind} gave this instance, so the
     * same context can be run again without binding it afresh (the runs of a {@code repeat}). Returns false when
     * this instance cannot; the caller then binds the context again.
     */
    public boolean reset() {
        return false;
    }

    /** The context structure after the run (as {@code BPF_PROG_TEST_RUN}'s ctx_out), or null. */
    public byte[] contextOut() {
        return null;
    }
}
