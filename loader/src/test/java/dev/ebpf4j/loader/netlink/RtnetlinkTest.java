package dev.ebpf4j.loader.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** XDP attach, replace, refuse and detach over netlink, on a veth pair made for the test. */
class RtnetlinkTest {

    private static Fd xdpProgram(int retval, String name) {
        byte[] insns = Instructions.encode(List.of(Instruction.mov64(0, retval), Instruction.exit()));
        return Bpf.progLoad(ProgramType.XDP.value(), insns, "GPL", name);
    }

    private static int id(Fd prog) {
        try (Arena a = Arena.ofConfined()) {
            return bpf_prog_info.id(Bpf.progInfo(prog, a));
        }
    }

    @Test
    void listsInterfacesWithoutTouchingThem() {
        try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
            List<Rtnetlink.Link> links = Rtnetlink.links(nl);
            assertTrue(links.stream().anyMatch(l -> l.name().equals("lo") && l.index() == 1), links.toString());
            assertEquals("lo", Rtnetlink.link(nl, 1).name());
        }
    }

    @Test
    void attachReplaceRefuseAndDetachOnATestVeth() {
        try (TestNetwork net = TestNetwork.create();
             NetlinkSocket nl = NetlinkSocket.openRoute();
             Fd pass = xdpProgram(2, "e4j_pass");
             Fd drop = xdpProgram(1, "e4j_drop")) {
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            int generic = Rtnetlink.XDP_FLAGS_SKB_MODE;
            try {
                Rtnetlink.attachXdp(nl, ifindex, pass.raw(), generic | Rtnetlink.XDP_FLAGS_UPDATE_IF_NOEXIST, -1);
                Rtnetlink.XdpState state = Rtnetlink.link(nl, ifindex).xdp();
                assertEquals(Rtnetlink.XdpMode.GENERIC, state.mode());
                assertEquals(id(pass), state.progId());
                assertEquals(id(pass), state.genericProgId());

                // never replaced silently
                NetlinkException busy = assertThrows(NetlinkException.class, () -> Rtnetlink.attachXdp(nl, ifindex,
                        drop.raw(), generic | Rtnetlink.XDP_FLAGS_UPDATE_IF_NOEXIST, -1));
                assertEquals("EBUSY", busy.errnoName());
                assertTrue(busy.kernelMessage() != null && !busy.kernelMessage().isEmpty(), busy.getMessage());
                assertTrue(busy.getMessage().startsWith("RTM_SETLINK (attach XDP): EBUSY"), busy.getMessage());

                // replace only when the expected program is the attached one
                NetlinkException stale = assertThrows(NetlinkException.class, () -> Rtnetlink.attachXdp(nl, ifindex,
                        drop.raw(), generic | Rtnetlink.XDP_FLAGS_REPLACE, drop.raw()));
                assertEquals("EEXIST", stale.errnoName(), stale.getMessage());
                Rtnetlink.attachXdp(nl, ifindex, drop.raw(), generic | Rtnetlink.XDP_FLAGS_REPLACE, pass.raw());
                assertEquals(id(drop), Rtnetlink.link(nl, ifindex).xdp().progId());

                // the listing shows it on our interface and nowhere else of ours
                assertTrue(Rtnetlink.links(nl).stream().anyMatch(l -> l.name().equals(net.hostSide())
                        && l.xdp().progId() == id(drop)));
                Rtnetlink.detachXdp(nl, ifindex, generic);
                assertEquals(Rtnetlink.XdpState.NONE, Rtnetlink.link(nl, ifindex).xdp());
            } finally {
                try {
                    Rtnetlink.detachXdp(nl, ifindex, generic);
                } catch (NetlinkException ignored) {
                    // already detached
                }
            }
        }
    }

    @Test
    void unknownInterfaceIsAnErrorWithTheKernelsWords() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        try (NetlinkSocket nl = NetlinkSocket.openRoute(); Fd pass = xdpProgram(2, "e4j_pass")) {
            NetlinkException e = assertThrows(NetlinkException.class,
                    () -> Rtnetlink.attachXdp(nl, 999_999, pass.raw(), Rtnetlink.XDP_FLAGS_SKB_MODE, -1));
            assertEquals("ENODEV", e.errnoName(), e.getMessage());
        }
    }
}
