package dev.ebpf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ebpf4j} command. */
@Command(name = "ebpf4j", mixinStandardHelpOptions = true, description = "Inspect and manage eBPF objects, programs and maps.")
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
