package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.ObjectKind;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j prog}: the programs loaded in the kernel, as {@code bpftool prog} shows them. */
@Command(name = "prog", mixinStandardHelpOptions = true, description = "Inspect the eBPF programs loaded in the kernel.",
        subcommands = {ProgCommand.Show.class, ProgDumpCommand.class, ProgRunCommand.class, ProgTracelogCommand.class,
                ProgLoadCommand.class, ProgLoadCommand.All.class},
        footer = {"", "Examples:", "  ebpf4j prog", "  ebpf4j prog show name hello", "  ebpf4j prog dump xlated id 42 linum",
                "  ebpf4j --runtime fallback prog run file examples/hello.bpf.o data_in packet.bin tracelog"})
final class ProgCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    /** As {@code bpftool prog}: no command lists every program. */
    @Override
    public void run() {
        new Show().print(main, spec, List.of());
    }

    /** {@code prog show [PROG]} (also {@code prog list}). */
    @Command(name = "show", aliases = "list", mixinStandardHelpOptions = true,
            description = "Show every loaded program, or those PROG names (id ID | tag TAG | name NAME | pinned FILE).",
            footer = {"", "Examples:", "  ebpf4j prog list", "  ebpf4j prog show id 42", "  ebpf4j -j prog show name hello",
                    "  ebpf4j prog show pinned /sys/fs/bpf/hello"})
    static final class Show implements Callable<Integer> {
        @ParentCommand
        ProgCommand prog;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..2", paramLabel = "PROG", description = "id ID | tag TAG | name NAME | pinned FILE")
        List<String> handle = List.of();

        @Override
        public Integer call() {
            if (handle.size() == 1) {
                throw new ParameterException(spec.commandLine(), "expected PROG: " + Handles.PROG);
            }
            print(prog.main, spec, handle);
            return 0;
        }

        void print(Main main, CommandSpec spec, List<String> handle) {
            Inspector kernel = new Inspector();
            List<ProgramInfo> programs = handle.isEmpty() ? kernel.programs().list()
                    : Handles.programs(kernel, handle, 0, spec.commandLine());
            Output output = main.output();
            Refs refs = Refs.of(kernel, ObjectKind.PROG, main.bpffs, programs);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                if (!handle.isEmpty() && programs.size() == 1) {
                    output.printBpftool(out, Shown.programJson(programs.getFirst(), refs));
                } else {
                    ArrayNode all = JsonNodeFactory.instance.arrayNode();
                    programs.forEach(p -> all.add(Shown.programJson(p, refs)));
                    output.printBpftool(out, all);
                }
            } else {
                ZoneId zone = ZoneId.systemDefault();
                List<String> lines = new ArrayList<>();
                programs.forEach(p -> lines.add(Shown.program(p, zone, refs)));
                lines.forEach(out::print);
            }
        }
    }
}
