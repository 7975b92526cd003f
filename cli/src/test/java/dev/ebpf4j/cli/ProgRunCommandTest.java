package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.testing.TestObjects;

/** {@code prog run} and {@code prog tracelog} in the fallback VM, in-process. */
class ProgRunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String example(String name) {
        return TestObjects.example(name).toString();
    }

    /** Ethernet + IPv4 + UDP to port 53 with payload "abcd": the packet bpftool 7.1's output below was taken on. */
    static byte[] packet() {
        ByteBuffer b = ByteBuffer.allocate(46);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0});
        b.put(new byte[] {0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
        b.putShort((short) 12345).putShort((short) 53).putShort((short) 12).putShort((short) 0);
        b.put("abcd".getBytes());
        return b.array();
    }

    private Path file(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void helloPrintsBpftoolsResultLine() throws Exception {
        Path in = file("pkt.bin", packet());
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in", in.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("Return value: 2, duration: \\d+ns\\R"), r.out());
        assertEquals("", r.err());

        CliRun many = CliRun.of("prog", "run", "file", example("hello.bpf.o"), "data_in", in.toString(), "repeat", "5",
                "--runtime", "fallback");
        assertEquals(0, many.exitCode(), many.err());
        assertTrue(many.out().matches("Return value: 2, duration \\(average\\): \\d+ns\\R"), many.out());
    }

    /** packet_filter pins its verdicts map by name: a run from the file must leave nothing in bpffs. */
    @Test
    void aKernelRunFromAFileLeavesNoPinBehind() throws Exception {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        Path verdicts = Path.of("/sys/fs/bpf/verdicts");
        TestObjects.skipUnless(!Files.exists(verdicts), verdicts + " exists already (not ours)");
        Path in = file("pkt.bin", packet());
        CliRun r = CliRun.of("--runtime", "kernel", "prog", "run", "file", example("packet_filter.bpf.o"), "data_in",
                in.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Return value: 2, duration: "), r.out());
        assertFalse(Files.exists(verdicts), "the run pinned " + verdicts);
        assertFalse(Files.exists(Path.of("/sys/fs/bpf/ebpf4j-run-" + ProcessHandle.current().pid())));
    }

    @Test
    void dataOutToStdoutIsBpftoolsHexDump() throws Exception {
        Path in = file("pkt.bin", packet());
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in",
                in.toString(), "data_out", "-");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        // what bpftool v7.1.0 printed for the same packet through the kernel
        assertEquals(List.of(
                "0000000\t0200 0000 0001 0200 0000 0002 0800 4500 | ........ ......E.",
                "0000010\t0020 0001 0000 4011 0000 0a00 0001 0a00 | . ....@. ........",
                "0000020\t0002 3039 0035 000c 0000 6162 6364      | ..09.5.. ..abcd"), lines.subList(0, 3));
        assertTrue(lines.get(3).startsWith("Return value: 2, duration: "), lines.get(3));
        assertEquals(4, lines.size());
    }

    @Test
    void dataOutToAFileHoldsThePacket() throws Exception {
        Path in = file("pkt.bin", packet());
        Path out = dir.resolve("out.bin");
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("packet_filter.bpf.o"),
                "data_in", in.toString(), "data_out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Return value: 2, "), "nothing blocked: XDP_PASS; " + r.out());
        assertArrayEquals(packet(), Files.readAllBytes(out));
    }

    @Test
    void jsonHasBpftoolsKeys() throws Exception {
        Path in = file("pkt.bin", packet());
        CliRun r = CliRun.of("-j", "--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in",
                in.toString(), "data_out", "-", "ctx_out", "-");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "-j prints one line");
        JsonNode root = JSON.readTree(r.out());
        assertEquals(List.of("data_out", "retval", "duration"), iterable(root.fieldNames()),
                "bpftool's keys and order; no ctx_out without ctx_in, as bpftool");
        assertEquals(2, root.get("retval").asInt());
        assertTrue(root.get("duration").isIntegralNumber() && root.get("duration").asLong() > 0);
        byte[] dataOut = new byte[root.get("data_out").size()];
        for (int i = 0; i < dataOut.length; i++) {
            dataOut[i] = (byte) root.get("data_out").get(i).asInt();
        }
        assertArrayEquals(packet(), dataOut);
    }

    @Test
    void contextInAndOutForATcProgram() throws Exception {
        Path in = file("pkt.bin", packet());
        Path ctx = file("ctx.bin", ByteBuffer.allocate(192).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 77).array());
        CliRun r = CliRun.of("-j", "--runtime", "fallback", "prog", "run", "file", example("globals.bpf.o"), "name",
                "classify", "data_in", in.toString(), "ctx_in", ctx.toString(), "ctx_out", "-");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals(0, root.get("retval").asInt(), "TC_ACT_OK");
        JsonNode ctxOut = root.get("ctx_out");
        assertEquals(192, ctxOut.size());
        assertEquals(77, ctxOut.get(8).asInt(), "mark");
        assertEquals(packet().length, ctxOut.get(160).asInt(), "wire_len");
    }

    @Test
    void aRawTracepointTakesItsArgumentsAsContext() throws Exception {
        byte[] args = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(59).array();
        Path ctx = file("args.bin", args);
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("syscall_counter.bpf.o"), "name",
                "count_syscalls", "ctx_in", ctx.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Return value: 0, "), "counted: 0; " + r.out());
    }

    @Test
    void tracelogPrintsTheRunsLinesAfterTheResult() throws Exception {
        Path in = file("pkt.bin", packet());
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in",
                in.toString(), "repeat", "3", "tracelog");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("Return value: 2, duration (average): "), lines.get(0));
        for (int i = 0; i < 3; i++) {
            assertTrue(lines.get(i + 1).matches(".*-\\d+ +\\[\\d{3}] \\S+ +\\d+\\.\\d{6}: bpf_trace_printk: Hello World " + i),
                    lines.get(i + 1));
        }
        CliRun json = CliRun.of("-j", "--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"),
                "data_in", in.toString(), "tracelog");
        JsonNode root = JSON.readTree(json.out());
        assertEquals(1, root.get("tracelog").size());
        assertTrue(root.get("tracelog").get(0).asText().endsWith("bpf_trace_printk: Hello World 0"), json.out());
    }

    @Test
    void progTracelogInFallbackShowsTheLinesThisProcessRan() throws Exception {
        byte[] big = new byte[1234];
        System.arraycopy(packet(), 0, big, 0, 14);
        Path in = file("big.bin", big);
        CliRun run = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("globals.bpf.o"), "name",
                "classify", "data_in", in.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertFalse(run.out().contains("long packet"), "no tracelog word: no lines");
        CliRun log = CliRun.of("--runtime", "fallback", "prog", "tracelog");
        assertEquals(0, log.exitCode(), log.err());
        assertTrue(log.out().lines().anyMatch(l -> l.endsWith("bpf_trace_printk: long packet 1234 (hi from rodata)")),
                log.out());
        CliRun json = CliRun.of("-j", "prog", "tracelog", "--runtime", "fallback");
        assertTrue(JSON.readTree(json.out()).isArray(), json.out());
    }

    @Test
    void abbreviationsWorkAsInBpftoolAndAmbiguityIsAUsageError() throws Exception {
        Path in = file("pkt.bin", packet());
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_i",
                in.toString(), "rep", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Return value: 2, duration (average): "), r.out());
        CliRun amb = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data",
                in.toString());
        assertEquals(2, amb.exitCode());
        assertEquals("Error: ambiguous prefix: 'data' could be 'data_in', 'data_out', 'data_size_out' (see 'ebpf4j prog"
                + " run --help')", amb.err().strip());
    }

    @Test
    void errorsAreOneLine() throws Exception {
        Path in = file("pkt.bin", packet());
        CliRun kernelForm = CliRun.of("--runtime", "fallback", "prog", "run", "id", "42", "data_in", in.toString());
        assertEquals(1, kernelForm.exitCode());
        assertOneErrorLine(kernelForm, "Error: prog run id 42: programs by id, tag, name or pinned path are programs in"
                + " the kernel, which the fallback VM cannot reach; run one from its object file: prog run file OBJ.o"
                + " [name NAME] data_in FILE ...");
        CliRun pinned = CliRun.of("--runtime", "fallback", "prog", "run", "pinned", "/sys/fs/bpf/x");
        assertEquals(1, pinned.exitCode());
        assertTrue(pinned.err().startsWith("Error: prog run pinned /sys/fs/bpf/x: "), pinned.err());

        CliRun unknown = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in",
                in.toString(), "bogus");
        assertEquals(2, unknown.exitCode());
        assertOneErrorLine(unknown, "Error: expected no more arguments, 'data_in', 'data_out', 'data_size_out', 'ctx_in',"
                + " 'ctx_out', 'ctx_size_out', 'repeat' or 'tracelog', got: 'bogus'? (see 'ebpf4j prog run --help')");

        CliRun badRuntime = CliRun.of("--runtime", "sideways", "prog", "run", "file", example("hello.bpf.o"));
        assertEquals(2, badRuntime.exitCode());
        assertTrue(badRuntime.err().contains("unknown runtime 'sideways': expected kernel, fallback or auto"), badRuntime.err());

        CliRun unsupported = CliRun.of("--runtime", "fallback", "prog", "run", "file",
                dev.ebpf4j.object.testing.TestObjects.repoDir().resolve("fallback-vm/src/test/c/needs_kernel.bpf.o").toString());
        assertEquals(1, unsupported.exitCode());
        assertEquals(1, unsupported.err().lines().count(), unsupported.err());
        assertTrue(unsupported.err().startsWith("Error: needs_kernel: the fallback VM was asked for but ")
                && unsupported.err().contains("bpf_redirect_map"), unsupported.err());

        CliRun noFile = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in",
                dir.resolve("missing.bin").toString());
        assertEquals(1, noFile.exitCode());
        assertOneErrorLine(noFile, "Error: " + dir.resolve("missing.bin") + ": no such file");

        CliRun noProgram = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "name",
                "nope", "data_in", in.toString());
        assertEquals(1, noProgram.exitCode());
        assertOneErrorLine(noProgram, "Error: hello has no program 'nope' (it has: hello)");

        CliRun runt = CliRun.of("--runtime", "fallback", "prog", "run", "file", example("hello.bpf.o"), "data_in",
                file("runt.bin", new byte[10]).toString());
        assertEquals(1, runt.exitCode());
        assertOneErrorLine(runt, "Error: program 'hello': xdp test runs need at least 14 bytes of data (an Ethernet"
                + " header), got 10 (EINVAL)");
        assertEquals("", runt.out());
    }

    @Test
    void helpDocumentsTheWordsWithExamples() {
        CliRun r = CliRun.of("prog", "run", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("Examples:") && r.out().contains("tracelog") && r.out().contains("file OBJ.o"), r.out());
        CliRun top = CliRun.of("--help");
        assertTrue(top.out().contains("--runtime=kernel|fallback|auto") && top.out().contains("prog"), top.out());
        CliRun help = CliRun.of("prog", "--help");
        assertTrue(help.out().contains("run") && help.out().contains("tracelog"), help.out());
    }

    private static void assertOneErrorLine(CliRun r, String expected) {
        assertEquals(expected, r.err().strip());
        assertEquals(1, r.err().strip().lines().count());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
