package dev.ebpf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j prog}: programs. */
@Command(name = "prog", mixinStandardHelpOptions = true, description = "Run eBPF programs and read what they print.",
        subcommands = {ProgRunCommand.class, ProgTracelogCommand.class},
        footer = {"", "Examples:", "  ebpf4j --runtime fallback prog run file examples/hello.bpf.o data_in packet.bin",
                "  ebpf4j prog tracelog --runtime fallback"})
final class ProgCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
