package dev.ebpf4j.vm.context;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.ContextAccess;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

/**
 * A packet with its {@code struct __sk_buff} as tc and socket filter programs see it. Loads of
 * {@code data}, {@code data_end} and {@code data_meta} yield 64-bit packet pointers; {@code flow_keys}
 * and {@code sk} read as NULL; every other field reads from the structure the caller filled
 * ({@code len} is the packet length, {@code protocol} the Ethernet type in network order unless set).
 * Programs may write {@code mark}, {@code queue_mapping}, {@code priority}, {@code tc_index},
 * {@code cb[]}, {@code tc_classid} and {@code tstamp}; the structure after the run is the context out.
 */
public final class SkBuffContext implements ProgramContext {
    /** {@code sizeof(struct __sk_buff)}. */
    public static final int SIZE = 192;
    public static final int LEN = 0;
    public static final int PKT_TYPE = 4;
    public static final int MARK = 8;
    public static final int QUEUE_MAPPING = 12;
    public static final int PROTOCOL = 16;
    public static final int VLAN_PRESENT = 20;
    public static final int VLAN_TCI = 24;
    public static final int VLAN_PROTO = 28;
    public static final int PRIORITY = 32;
    public static final int INGRESS_IFINDEX = 36;
    public static final int IFINDEX = 40;
    public static final int TC_INDEX = 44;
    public static final int CB = 48;
    public static final int HASH = 68;
    public static final int TC_CLASSID = 72;
    public static final int DATA = 76;
    public static final int DATA_END = 80;
    public static final int NAPI_ID = 84;
    public static final int DATA_META = 140;
    public static final int FLOW_KEYS = 144;
    public static final int TSTAMP = 152;
    public static final int WIRE_LEN = 160;
    public static final int SK = 168;

    private final byte[] packet;
    private final byte[] fields;

    private SkBuffContext(byte[] packet, byte[] fields) {
        this.packet = packet;
        this.fields = fields;
    }

    /** A packet starting at its Ethernet header; len, protocol (from the Ethernet type), ifindex 1. */
    public static SkBuffContext of(byte[] packet) {
        SkBuffContext c = new SkBuffContext(packet.clone(), new byte[SIZE]);
        c.put(LEN, packet.length);
        c.put(WIRE_LEN, packet.length);
        c.put(IFINDEX, 1);
        if (packet.length >= 14) {
            c.put(PROTOCOL, (packet[12] & 0xff) | (packet[13] & 0xff) << 8);
        }
        return c;
    }

    private void put(int offset, int value) {
        Segments.set(MemorySegment.ofArray(fields), offset, 4, value);
    }

    /** A copy with the u32 field at {@code offset} set (e.g. {@link #MARK}). */
    public SkBuffContext with(int offset, int value) {
        if (offset < 0 || offset + 4 > SIZE || (offset & 3) != 0 || offset == DATA || offset == DATA_END
                || offset == DATA_META) {
            throw new IllegalArgumentException("not a settable __sk_buff u32 field offset: " + offset);
        }
        SkBuffContext c = new SkBuffContext(packet, fields.clone());
        c.put(offset, value);
        return c;
    }

    public SkBuffContext withMark(int mark) {
        return with(MARK, mark);
    }

    public SkBuffContext withPriority(int priority) {
        return with(PRIORITY, priority);
    }

    public SkBuffContext withIfindex(int ifindex) {
        return with(IFINDEX, ifindex);
    }

    /** {@code protocol} as a host-order Ethernet type (stored in network order, as the kernel keeps it). */
    public SkBuffContext withProtocol(int ethType) {
        return with(PROTOCOL, Short.reverseBytes((short) ethType) & 0xffff);
    }

    public SkBuffContext withCb(int index, int value) {
        return with(CB + 4 * index, value);
    }

    public byte[] packet() {
        return packet.clone();
    }

    /** The 192-byte structure this context starts with. */
    public byte[] fields() {
        return fields.clone();
    }

    @Override
    public Instance bind(AddressSpace memory) {
        return new Instance(memory);
    }

    private static boolean writable(long offset, int size) {
        long end = offset + size;
        return (offset >= MARK && end <= MARK + 8) // mark, queue_mapping
                || (offset >= PRIORITY && end <= PRIORITY + 4)
                || (offset >= TC_INDEX && end <= HASH) // tc_index, cb[5]
                || (offset >= TC_CLASSID && end <= TC_CLASSID + 4)
                || (offset >= TSTAMP && end <= TSTAMP + 8);
    }

    /** The __sk_buff of one run. */
    public final class Instance extends ContextInstance implements ContextAccess {
        private final Region packetRegion;
        private final MemorySegment struct;
        private final Region ctx;

        Instance(AddressSpace memory) {
            MemorySegment seg = Segments.allocateBytes(packet.length);
            MemorySegment.copy(packet, 0, seg, Segments.U8, 0, packet.length);
            packetRegion = memory.map(Region.Kind.PACKET, "skb packet", seg, true, true, null, null);
            struct = Segments.copyOf(fields);
            ctx = memory.map(Region.Kind.CONTEXT, "__sk_buff", struct, true, true, null, this);
        }

        @Override
        public long r1() {
            return ctx.base();
        }

        @Override
        public boolean reset() {
            MemorySegment.copy(packet, 0, packetRegion.segment(), Segments.U8, 0, packet.length);
            MemorySegment.copy(fields, 0, struct, Segments.U8, 0, fields.length);
            return true;
        }

        @Override
        public Region packet() {
            return packetRegion;
        }

        @Override
        public byte[] contextOut() {
            return struct.toArray(Segments.U8);
        }

        @Override
        public long load(long offset, int size) {
            switch ((int) offset) {
                case DATA, DATA_END, DATA_META -> {
                    if (size != 4) {
                        throw new BpfRuntimeException("invalid __sk_buff access: " + size + " bytes of a packet pointer field at offset " + offset);
                    }
                    return offset == DATA_END ? packetRegion.address(packetRegion.hi()) : packetRegion.address(0);
                }
                case FLOW_KEYS, SK -> {
                    return 0;
                }
                default -> {
                    if ((offset & (size - 1)) != 0) {
                        throw new BpfRuntimeException("misaligned __sk_buff access: " + size + " bytes at offset " + offset);
                    }
                    return Segments.get(struct, offset, size);
                }
            }
        }

        @Override
        public void store(long offset, int size, long value) {
            if (!writable(offset, size) || (offset & (size - 1)) != 0) {
                throw new BpfRuntimeException("__sk_buff field at offset " + offset + " (" + size
                        + " bytes) is not writable by programs");
            }
            Segments.set(struct, offset, size, value);
        }
    }

    @Override
    public String toString() {
        return "SkBuffContext[" + packet.length + " bytes, fields " + Arrays.hashCode(fields) + "]";
    }
}
