package dev.ebpf4j.loader.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ObjectKindTest {
    @Test
    void anonymousInodeNamesOfOldAndNewKernels() {
        assertEquals(Optional.of(ObjectKind.PROG), ObjectKind.ofLinkTarget("anon_inode:bpf-prog"));
        assertEquals(Optional.of(ObjectKind.MAP), ObjectKind.ofLinkTarget("anon_inode:bpf-map"));
        assertEquals(Optional.of(ObjectKind.LINK), ObjectKind.ofLinkTarget("anon_inode:bpf_link"));
        assertEquals(Optional.of(ObjectKind.LINK), ObjectKind.ofLinkTarget("anon_inode:bpf-link"));
        assertEquals(Optional.empty(), ObjectKind.ofLinkTarget("anon_inode:[eventfd]"));
        assertEquals(Optional.empty(), ObjectKind.ofLinkTarget("/sys/fs/bpf/x"));
    }
}
