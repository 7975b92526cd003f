package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.testing.TestObjects;

/** A program the verifier rejects gives a typed exception with the errno, the reason and the whole log. */
class VerifierLogKernelTest {

    /** hello.bpf.o with its first memory load replaced by {@code r3 = *(u8 *)(r10 - 600)}: outside the stack. */
    static byte[] helloReadingBelowTheStack() {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ObjectSpec spec = ObjectSpec.parse(bytes, "hello.bpf.o");
        ElfSection xdp = spec.elf().section("xdp").orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long at = xdp.offset(); at < xdp.offset() + xdp.size(); at += 8) {
            int opcode = bytes[(int) at] & 0xff;
            if (opcode == 0x18) { // lddw: skip its second slot
                at += 8;
                continue;
            }
            if ((opcode & 0x07) == 0x01 && (opcode & 0xe0) == 0x60) { // BPF_LDX | BPF_MEM
                bytes[(int) at] = 0x71; // ldxb
                bytes[(int) at + 1] = (byte) ((10 << 4) | 3);
                b.putShort((int) at + 2, (short) -600);
                b.putInt((int) at + 4, 0);
                return bytes;
            }
        }
        throw new AssertionError("hello.bpf.o has no memory load to patch");
    }

    @Test
    void rejectedProgramCarriesErrnoSummaryAndFullLog() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("verifier");
        int fds = KernelTests.openFds();
        try {
            BpfObject obj = BpfObject.open(helloReadingBelowTheStack(), "hello.bpf.o");
            ProgramLoadException e = assertThrows(ProgramLoadException.class, () -> obj.load(KernelTests.kernel(pins)));
            assertEquals("hello", e.programName());
            assertEquals("EACCES", e.errnoName());
            assertEquals(13, e.errno());
            assertTrue(e.summary().contains("R10") && e.summary().contains("-600"), e.summary());
            assertFalse(e.summary().startsWith("processed "), e.summary());
            assertTrue(e.log().contains(e.summary()), e.log());
            assertTrue(e.log().contains("processed "), "the full log, statistics included: " + e.log());
            assertTrue(e.getMessage().contains("'hello'") && e.getMessage().contains("EACCES")
                    && e.getMessage().contains(e.summary()), e.getMessage());
            assertFalse(e.logTruncated());
            assertFalse(obj.isLoaded());
            assertEquals(fds, KernelTests.openFds(), "the maps created before the refusal are closed");
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void logOnSuccessKeepsTheLogAndIsEmptyOtherwise() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("log");
        try {
            try (BpfObject obj = BpfObject.open(TestObjects.example("syscall_counter.bpf.o"))
                    .load(KernelTests.kernel(pins).withLogOnSuccess(true))) {
                String log = obj.program("count_syscalls").verifierLog();
                assertFalse(log.isBlank());
                assertTrue(log.contains("processed "), log);
            }
            try (BpfObject obj = BpfObject.open(TestObjects.example("syscall_counter.bpf.o")).load(KernelTests.kernel(pins))) {
                assertEquals("", obj.program("count_syscalls").verifierLog());
            }
            String level1;
            try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o"))
                    .load(new LoadOptions(RuntimeKind.KERNEL, true, 1, pins))) {
                level1 = obj.program("filter_udp_ports").verifierLog();
            }
            try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o"))
                    .load(new LoadOptions(RuntimeKind.KERNEL, true, 2, pins))) {
                String level2 = obj.program("filter_udp_ports").verifierLog();
                assertTrue(level2.length() > level1.length(), "level 2 logs every state: " + level2.length() + " vs " + level1.length());
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void theLogGrowsPastTheFirstBufferSize() {
        KernelTests.requireKernel();
        // level 2 on a program looping through bpf_loop callbacks writes more than the first 64 KiB? Not always:
        // so ask directly: a log larger than LOG_START must come back whole, not cut at 64 KiB.
        Path pins = KernelTests.pinDir("biglog");
        try (BpfObject obj = BpfObject.open(TestObjects.example("advanced.bpf.o"))
                .load(new LoadOptions(RuntimeKind.KERNEL, true, 2, pins))) {
            String log = obj.program("sum_indexes").verifierLog();
            assertTrue(log.contains("processed "), "the log's end is there: " + log.length() + " bytes");
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
