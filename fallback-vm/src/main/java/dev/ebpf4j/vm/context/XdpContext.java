package dev.ebpf4j.vm.context;

import java.lang.foreign.MemorySegment;

import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.ContextAccess;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

/**
 * An XDP packet and its {@code struct xdp_md}: {@code data}, {@code data_end}, {@code data_meta}
 * (u32 fields whose loads yield 64-bit packet pointers, as the kernel rewrites them), then
 * {@code ingress_ifindex}, {@code rx_queue_index}, {@code egress_ifindex}. The packet sits after
 * {@value #HEADROOM} bytes of headroom with {@value #TAILROOM} bytes of tailroom, so
 * {@code bpf_xdp_adjust_head/meta/tail} can move its ends as in the kernel. The context is read-only.
 */
public record XdpContext(byte[] packet, int ingressIfindex, int rxQueueIndex, int egressIfindex)
        implements ProgramContext {

    /** {@code XDP_PACKET_HEADROOM}. */
    public static final int HEADROOM = 256;
    /** Room to grow the tail. */
    public static final int TAILROOM = 256;
    /** {@code sizeof(struct xdp_frame)}: the part of the headroom the head may not move into. */
    public static final int FRAME_SIZE = 40;
    /** {@code sizeof(struct xdp_md)}. */
    public static final int SIZE = 24;
    private static final int ETH_HLEN = 14;

    public XdpContext {
        packet = packet.clone();
    }

    public static XdpContext of(byte[] packet) {
        return new XdpContext(packet, 1, 0, 0);
    }

    @Override
    public byte[] packet() {
        return packet.clone();
    }

    @Override
    public Instance bind(AddressSpace memory) {
        return new Instance(memory);
    }

    /** The XDP context of one run; the head, meta and tail adjustment helpers act on it. */
    public final class Instance extends ContextInstance implements ContextAccess {
        private final Region packetRegion;
        private final Region ctx;
        private long meta;
        private long data;
        private long end;
        /** True once a helper moved an end of the packet: then bytes outside it may have changed too. */
        private boolean moved;

        Instance(AddressSpace memory) {
            MemorySegment seg = Segments.allocateBytes(HEADROOM + (long) packet.length + TAILROOM);
            MemorySegment.copy(packet, 0, seg, Segments.U8, HEADROOM, packet.length);
            packetRegion = memory.map(Region.Kind.PACKET, "xdp packet", seg, true, true, null, null);
            data = HEADROOM;
            meta = HEADROOM;
            end = HEADROOM + (long) packet.length;
            packetRegion.window(meta, end);
            ctx = memory.map(Region.Kind.CONTEXT, "xdp_md", Segments.allocate(SIZE), true, true, null, this);
        }

        @Override
        public long r1() {
            return ctx.base();
        }

        @Override
        public boolean reset() {
            MemorySegment seg = packetRegion.segment();
            if (moved) {
                seg.fill((byte) 0);
                data = HEADROOM;
                meta = HEADROOM;
                end = HEADROOM + (long) packet.length;
                packetRegion.window(meta, end);
                moved = false;
            }
            // programs write only inside the window [meta, end), which is the packet again here
            MemorySegment.copy(packet, 0, seg, Segments.U8, HEADROOM, packet.length);
            return true;
        }

        @Override
        public Region packet() {
            return packetRegion;
        }

        @Override
        public long dataOffset() {
            return data;
        }

        @Override
        public long dataEndOffset() {
            return end;
        }

        /** The metadata bytes {@code [data_meta, data)} after the run. */
        public byte[] metadata() {
            return packetRegion.segment().asSlice(meta, data - meta).toArray(Segments.U8);
        }

        @Override
        public byte[] contextOut() {
            byte[] out = new byte[SIZE];
            MemorySegment o = MemorySegment.ofArray(out);
            Segments.set(o, 0, 4, data - meta);
            Segments.set(o, 4, 4, end - meta);
            Segments.set(o, 12, 4, ingressIfindex);
            Segments.set(o, 16, 4, rxQueueIndex);
            Segments.set(o, 20, 4, egressIfindex);
            return out;
        }

        @Override
        public long load(long offset, int size) {
            if (size != 4 || (offset & 3) != 0) {
                throw new BpfRuntimeException("invalid xdp_md access: " + size + " bytes at offset " + offset
                        + " (fields are u32)");
            }
            return switch ((int) offset) {
                case 0 -> packetRegion.address(data);
                case 4 -> packetRegion.address(end);
                case 8 -> packetRegion.address(meta);
                case 12 -> ingressIfindex & 0xffff_ffffL;
                case 16 -> rxQueueIndex & 0xffff_ffffL;
                case 20 -> egressIfindex & 0xffff_ffffL;
                default -> throw new BpfRuntimeException("invalid xdp_md access at offset " + offset);
            };
        }

        @Override
        public void store(long offset, int size, long value) {
            throw new BpfRuntimeException("xdp_md is read-only (store of " + size + " bytes at offset " + offset + ")");
        }

        /** {@code bpf_xdp_adjust_head}: 0 or a negative errno. */
        public long adjustHead(int delta) {
            long newData = data + delta;
            long metaLen = data - meta;
            if (newData < FRAME_SIZE + metaLen || newData > end - ETH_HLEN) {
                return -Errno.EINVAL;
            }
            MemorySegment seg = packetRegion.segment();
            if (metaLen > 0) {
                MemorySegment.copy(seg, meta, seg, meta + delta, metaLen);
            }
            meta += delta;
            data = newData;
            moved = true;
            packetRegion.window(meta, end);
            return 0;
        }

        /** {@code bpf_xdp_adjust_meta}: 0 or a negative errno. */
        public long adjustMeta(int delta) {
            long newMeta = meta + delta;
            long metaLen = data - newMeta;
            if (newMeta < FRAME_SIZE || newMeta > data) {
                return -Errno.EINVAL;
            }
            if ((metaLen & 3) != 0 || metaLen > 32) {
                return -13; // EACCES, as xdp_metalen_invalid
            }
            meta = newMeta;
            moved = true;
            packetRegion.window(meta, end);
            return 0;
        }

        /** {@code bpf_xdp_adjust_tail}: 0 or a negative errno; grown bytes are zeroed. */
        public long adjustTail(int delta) {
            long newEnd = end + delta;
            if (newEnd > packetRegion.segment().byteSize() || newEnd < data + ETH_HLEN) {
                return -Errno.EINVAL;
            }
            if (delta > 0) {
                packetRegion.segment().asSlice(end, delta).fill((byte) 0);
            }
            end = newEnd;
            moved = true;
            packetRegion.window(meta, end);
            return 0;
        }
    }
}
