package dev.ebpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ProgramSectionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
            "xdp, XDP, XDP, ''",
            "xdp.frags, XDP, XDP, ''",
            "xdp/devmap, XDP, XDP_DEVMAP, ''",
            "xdp.frags/cpumap, XDP, XDP_CPUMAP, ''",
            "tc, SCHED_CLS, -, ''",
            "classifier, SCHED_CLS, -, ''",
            "tc/ingress, SCHED_CLS, TCX_INGRESS, ''",
            "tcx/egress, SCHED_CLS, TCX_EGRESS, ''",
            "action, SCHED_ACT, -, ''",
            "tracepoint/sched/sched_process_exec, TRACEPOINT, -, sched/sched_process_exec",
            "tp/syscalls/sys_enter_openat, TRACEPOINT, -, syscalls/sys_enter_openat",
            "raw_tp/sys_enter, RAW_TRACEPOINT, -, sys_enter",
            "raw_tracepoint/sched_switch, RAW_TRACEPOINT, -, sched_switch",
            "raw_tp.w/sys_enter, RAW_TRACEPOINT_WRITABLE, -, sys_enter",
            "kprobe/do_sys_openat2, KPROBE, -, do_sys_openat2",
            "kretprobe/do_sys_openat2, KPROBE, -, do_sys_openat2",
            "kprobe.multi/tcp_*, KPROBE, TRACE_KPROBE_MULTI, tcp_*",
            "uprobe.s//bin/bash:readline, KPROBE, -, /bin/bash:readline",
            "socket, SOCKET_FILTER, -, ''",
            "fentry/tcp_connect, TRACING, TRACE_FENTRY, tcp_connect",
            "fexit.s/do_unlinkat, TRACING, TRACE_FEXIT, do_unlinkat",
            "lsm/file_open, LSM, LSM_MAC, file_open",
            "cgroup_skb/ingress, CGROUP_SKB, CGROUP_INET_INGRESS, ''",
            "cgroup_skb/egress, CGROUP_SKB, CGROUP_INET_EGRESS, ''",
            "cgroup/connect4, CGROUP_SOCK_ADDR, CGROUP_INET4_CONNECT, ''",
            "cgroup/sock, CGROUP_SOCK, CGROUP_INET_SOCK_CREATE, ''",
            "sk_skb/stream_parser, SK_SKB, SK_SKB_STREAM_PARSER, ''",
            "sockops, SOCK_OPS, CGROUP_SOCK_OPS, ''",
            "iter/task, TRACING, TRACE_ITER, task",
            "syscall, SYSCALL, -, ''",
            "perf_event, PERF_EVENT, -, ''",
            "sk_lookup, SK_LOOKUP, SK_LOOKUP, ''",
            "netfilter, NETFILTER, NETFILTER, ''",
    })
    void resolvesLibbpfSectionNames(String name, ProgramType type, AttachType attach, String target) {
        ProgramSection.Match m = ProgramSection.match(name).orElseThrow();
        assertEquals(type, m.type());
        if (attach == null) {
            assertNull(m.attachType());
        } else {
            assertEquals(attach, m.attachType());
        }
        assertEquals(target, m.target());
    }

    @Test
    void flagsFollowTheSectionName() {
        assertTrue(ProgramSection.require("xdp.frags").section().frags());
        assertFalse(ProgramSection.require("xdp").section().frags());
        assertTrue(ProgramSection.require("fentry.s/x").section().sleepable());
        assertFalse(ProgramSection.require("fentry/x").section().sleepable());
    }

    @Test
    void unknownOrIncompleteSectionsAreRejectedByName() {
        for (String bad : new String[] {"xdpx", "fentry", "fentry/", "lsm", "kprobes/foo", "tc/sideways", "socket/filter", "xdp/foo", ".text", ""}) {
            BpfFormatException e = assertThrows(BpfFormatException.class, () -> ProgramSection.require(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
