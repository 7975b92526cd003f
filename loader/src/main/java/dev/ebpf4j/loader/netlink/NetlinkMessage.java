package dev.ebpf4j.loader.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One netlink message ({@code struct nlmsghdr} and its payload), and the attribute encoding rtnetlink uses
 * ({@code struct nlattr}: length, type, value padded to 4 bytes). Host byte order throughout, as netlink is.
 *
 * @param type    {@code nlmsg_type}
 * @param flags   {@code nlmsg_flags}
 * @param seq     {@code nlmsg_seq}
 * @param portId  {@code nlmsg_pid}
 * @param payload the bytes after the header, position 0
 */
public record NetlinkMessage(int type, int flags, int seq, int portId, ByteBuffer payload) {
    public static final int HEADER_SIZE = 16;
    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_DUMP = 0x300;
    /** On an error message: extended-ack attributes follow. */
    public static final int NLM_F_ACK_TLVS = 0x200;
    public static final int NLA_F_NESTED = 1 << 15;
    private static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | (1 << 14));

    /** Splits a datagram into messages; a length that does not fit ends in a {@link MalformedNetlinkException}. */
    public static List<NetlinkMessage> parseAll(ByteBuffer datagram) {
        ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<NetlinkMessage> out = new ArrayList<>();
        while (b.remaining() >= HEADER_SIZE) {
            int start = b.position();
            int len = b.getInt(start);
            if (len < HEADER_SIZE || len > b.remaining()) {
                throw new MalformedNetlinkException("netlink message at offset " + start + " has length " + len
                        + " with " + b.remaining() + " bytes left");
            }
            ByteBuffer payload = b.slice(start + HEADER_SIZE, len - HEADER_SIZE).order(ByteOrder.nativeOrder());
            out.add(new NetlinkMessage(b.getShort(start + 4) & 0xffff, b.getShort(start + 6) & 0xffff, b.getInt(start + 8),
                    b.getInt(start + 12), payload));
            b.position(Math.min(b.limit(), start + align(len)));
        }
        return out;
    }

    static int align(int n) {
        return (n + 3) & ~3;
    }

    /** Attributes from {@code offset} of {@code buffer} to its end, by type (nested flag removed); last one wins. */
    public static Map<Integer, ByteBuffer> attributes(ByteBuffer buffer, int offset) {
        Map<Integer, ByteBuffer> out = new LinkedHashMap<>();
        ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
        int at = offset;
        while (at + 4 <= b.limit()) {
            int len = b.getShort(at) & 0xffff;
            int type = (b.getShort(at + 2) & 0xffff) & NLA_TYPE_MASK;
            if (len < 4 || at + len > b.limit()) {
                break;
            }
            out.put(type, b.slice(at + 4, len - 4).order(ByteOrder.nativeOrder()));
            at += align(len);
        }
        return out;
    }

    /** A NUL-terminated string attribute. */
    public static String string(ByteBuffer attr) {
        int n = 0;
        while (n < attr.limit() && attr.get(n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        attr.get(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Builds one request: header, a fixed family header, then attributes (nestable). */
    public static final class Builder {
        private final ByteBuffer buf = ByteBuffer.allocate(8192).order(ByteOrder.nativeOrder());
        private final List<Integer> nests = new ArrayList<>();

        public Builder(int type, int flags) {
            buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
        }

        /** Appends raw bytes (a family header such as {@code struct ifinfomsg}), padded to 4. */
        public Builder bytes(byte[] b) {
            buf.put(b);
            pad();
            return this;
        }

        public Builder attr(int type, byte[] value) {
            buf.putShort((short) (4 + value.length)).putShort((short) type).put(value);
            pad();
            return this;
        }

        public Builder attrInt(int type, int value) {
            return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
        }

        public Builder attrString(int type, String value) {
            byte[] s = value.getBytes(StandardCharsets.UTF_8);
            byte[] z = new byte[s.length + 1];
            System.arraycopy(s, 0, z, 0, s.length);
            return attr(type, z);
        }

        public Builder beginNested(int type) {
            nests.add(buf.position());
            buf.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
            return this;
        }

        public Builder endNested() {
            int start = nests.removeLast();
            buf.putShort(start, (short) (buf.position() - start));
            return this;
        }

        /** The message bytes with the given sequence number. */
        public byte[] build(int seq) {
            if (!nests.isEmpty()) {
                throw new IllegalStateException("unclosed nested attribute");
            }
            buf.putInt(0, buf.position()).putInt(8, seq);
            byte[] out = new byte[buf.position()];
            buf.get(0, out);
            return out;
        }

        private void pad() {
            while ((buf.position() & 3) != 0) {
                buf.put((byte) 0);
            }
        }
    }
}
