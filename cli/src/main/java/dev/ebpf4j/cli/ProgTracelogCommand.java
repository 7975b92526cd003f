package dev.ebpf4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;

import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.loader.fallback.FallbackBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j prog tracelog}: what programs print with {@code bpf_printk}. In the kernel, bpftool's behaviour: the
 * trace pipe, streamed until interrupted. In the fallback VM, the lines of the programs this process ran, then exit.
 */
@Command(name = "tracelog", mixinStandardHelpOptions = true,
        description = {"Print what programs write with bpf_printk.",
                "kernel: stream the kernel's trace pipe until interrupted, as 'bpftool prog tracelog' does.",
                "fallback: print the lines of the programs the fallback VM ran in this process (a CLI process runs one"
                        + " command: to see a run's lines, use 'prog run ... tracelog').",
                "auto: the trace pipe when it can be read, else the fallback VM's lines."},
        footer = {"", "Examples:", "  ebpf4j prog tracelog",
                "  ebpf4j --runtime fallback prog run file examples/hello.bpf.o data_in packet.bin tracelog"})
final class ProgTracelogCommand implements Callable<Integer> {
    /** Where tracefs keeps the pipe, as bpftool looks for it. */
    static final List<Path> TRACE_PIPES = List.of(Path.of("/sys/kernel/tracing/trace_pipe"),
            Path.of("/sys/kernel/debug/tracing/trace_pipe"));

    @ParentCommand
    ProgCommand prog;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        RuntimeKind runtime = prog.main.runtime();
        PrintWriter out = spec.commandLine().getOut();
        Output output = prog.main.output();
        if (runtime != RuntimeKind.FALLBACK) {
            Path pipe = TRACE_PIPES.stream().filter(Files::isReadable).findFirst().orElse(null);
            if (pipe != null) {
                stream(pipe, out, output);
                return 0;
            }
            if (runtime == RuntimeKind.KERNEL) {
                throw new IllegalStateException("cannot read the kernel's trace pipe (" + TRACE_PIPES.getFirst()
                        + "): tracefs is not mounted or this user may not read it");
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println("note: the kernel's trace pipe cannot be read here; printing the fallback VM's lines of this"
                    + " process");
            err.flush();
        }
        List<TraceLog.Line> lines = FallbackBackend.processTraceLog().lines();
        if (lines.isEmpty() && !output.json()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("note: no program ran in the fallback VM in this process; to see a run's lines use"
                    + " 'prog run ... tracelog'");
            err.flush();
        }
        if (output.json()) {
            ArrayNode a = output.array();
            lines.forEach(l -> a.add(l.text()));
            output.print(out, a);
        } else {
            lines.forEach(l -> out.println(l.text()));
        }
        out.flush();
        return 0;
    }

    private static void stream(Path pipe, PrintWriter out, Output output) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(pipe, StandardCharsets.UTF_8)) {
            if (output.json()) {
                out.print('[');
            }
            boolean first = true;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (output.json()) {
                    out.print((first ? "" : ",") + output.object().textNode(line));
                    first = false;
                } else {
                    out.println(line);
                }
                out.flush();
            }
            if (output.json()) {
                out.println(']');
            }
        }
    }
}
