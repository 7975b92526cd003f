package dev.ebpf4j.loader.tracefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.loader.link.Attach;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.object.testing.TestObjects;

class TracePipeTest {

    @Test
    void parsesKernelLines() {
        TraceLine l = TraceLine.parse("           <idle>-0       [001] d.s3.  8123.456789: bpf_trace_printk: Hello World 7").orElseThrow();
        assertEquals("<idle>", l.task());
        assertEquals(0, l.pid());
        assertEquals(1, l.cpu());
        assertEquals("d.s3.", l.flags());
        assertEquals("bpf_trace_printk", l.event());
        assertEquals("Hello World 7", l.message());
        TraceLine dash = TraceLine.parse(" kworker/u4:2-1234    [000] ....  12.5: bpf_trace_printk: x-y").orElseThrow();
        assertEquals("kworker/u4:2", dash.task());
        assertEquals(1234, dash.pid());
        assertTrue(TraceLine.parse("CPU:0 [LOST 3 EVENTS]").isEmpty());
    }

    /** A raw tracepoint program that bpf_printk()s a marker; the marker arrives through trace_pipe. */
    @Test
    void linesWrittenByAProgramArrive() throws Exception {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        String marker = "e4j" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        byte[] text = new byte[8];
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(m, 0, text, 0, Math.min(7, m.length));
        long packed = java.nio.ByteBuffer.wrap(text).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        List<Instruction> insns = List.of(
                Instruction.loadImm64(1, packed),
                Instruction.of(Opcode.STX | Opcode.MEM | Opcode.DW, 10, 1, -16, 0),
                Instruction.of(Opcode.ST | Opcode.MEM | Opcode.DW, 10, 0, -8, 0),
                Instruction.mov64Reg(1, 10),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 1, 0, 0, -16),
                Instruction.mov64(2, 16),
                Instruction.callHelper(6),
                Instruction.mov64(0, 0),
                Instruction.exit());
        try (TracePipe pipe = TracePipe.open();
             Fd prog = Bpf.progLoad(ProgramType.RAW_TRACEPOINT.value(), Instructions.encode(insns), "GPL", "e4j_printk");
             Link link = Attach.rawTracepoint(prog, "sys_enter")) {
            Files.exists(Path.of("/"));
            String line = pipe.await(marker.substring(0, Math.min(7, marker.length())), 10_000);
            assertNotNull(line, "no trace line with " + marker);
            TraceLine parsed = TraceLine.parse(line).orElseThrow();
            assertEquals("bpf_trace_printk", parsed.event());
            assertTrue(parsed.message().startsWith(marker.substring(0, Math.min(7, marker.length()))), parsed.toString());
        }
    }

    /** Closing while the reader waits in read() on a quiet pipe returns at once and lets the pipe be opened again. */
    @Test
    void closeWhileTheReaderWaitsReleasesThePipe() throws Exception {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        for (int round = 0; round < 20; round++) {
            TracePipe pipe = TracePipe.open();
            Thread.sleep(round % 4 * 20); // the reader thread before, and inside, its blocking read
            long t0 = System.nanoTime();
            pipe.close();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2000, "round " + round + ": close took " + ms + " ms");
        }
        try (TracePipe again = TracePipe.open()) {
            assertNotNull(again);
        }
    }
}
