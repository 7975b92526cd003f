package dev.ebpf4j.loader.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Replies of any shape parse or fail with a MalformedNetlinkException; nothing else escapes, nothing hangs. */
class NetlinkParserFuzzTest {

    /** A real-looking RTM_NEWLINK reply with an IFLA_IFNAME and a nested IFLA_XDP, then mutated. */
    private static byte[] sample() {
        NetlinkMessage.Builder b = new NetlinkMessage.Builder(Rtnetlink.RTM_NEWLINK, 0)
                .bytes(ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(4, 7).array())
                .attrString(Rtnetlink.IFLA_IFNAME, "veth0")
                .beginNested(Rtnetlink.IFLA_XDP)
                .attr(Rtnetlink.IFLA_XDP_ATTACHED, new byte[] {2, 0, 0, 0})
                .attrInt(Rtnetlink.IFLA_XDP_PROG_ID, 42)
                .endNested();
        return b.build(1);
    }

    @Provide
    Arbitrary<byte[]> replies() {
        byte[] base = sample();
        Arbitrary<byte[]> mutated = Arbitraries.integers().between(0, base.length - 1).list().ofMinSize(1).ofMaxSize(6)
                .flatMap(positions -> Arbitraries.bytes().array(byte[].class).ofSize(positions.size()).map(values -> {
                    byte[] copy = base.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        copy[positions.get(i)] = values[i];
                    }
                    return copy;
                }));
        Arbitrary<byte[]> cut = Arbitraries.integers().between(0, base.length).map(n -> java.util.Arrays.copyOf(base, n));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(200);
        return Arbitraries.oneOf(mutated, cut, random);
    }

    @Property(tries = 5000)
    void repliesParseOrFailCleanly(@ForAll("replies") byte[] reply) {
        try {
            for (NetlinkMessage m : NetlinkMessage.parseAll(ByteBuffer.wrap(reply))) {
                if (m.type() == Rtnetlink.RTM_NEWLINK) {
                    Rtnetlink.parseLink(m.payload());
                }
            }
        } catch (MalformedNetlinkException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("no message", expected);
            }
        }
    }
}
