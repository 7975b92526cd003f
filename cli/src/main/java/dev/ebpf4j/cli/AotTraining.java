package dev.ebpf4j.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run the launcher records a JDK AOT cache from ({@code -XX:AOTCacheOutput}): the read-only commands
 * people start most, run once each in one JVM with their output discarded, so that the classes, linked call sites
 * and profiles of all of them land in the cache. Without privileges the kernel commands fail early, which still
 * trains their start.
 */
public final class AotTraining {
    private AotTraining() {}

    /** The commands run, given the repository's root (for the bundled example object). */
    static List<String[]> commands(Path root) {
        String hello = root.resolve("examples/hello.bpf.o").toString();
        return List.of(
                new String[] {"prog", "list"},
                new String[] {"-j", "prog", "list"},
                new String[] {"map", "list"},
                new String[] {"-p", "map", "list"},
                new String[] {"link", "list"},
                new String[] {"net", "list"},
                new String[] {"btf", "list"},
                new String[] {"obj", "show", hello},
                new String[] {"--help"});
    }

    /** Runs the training commands; {@code args[0]} is the repository's root. */
    public static void main(String[] args) {
        PrintWriter none = new PrintWriter(OutputStream.nullOutputStream());
        for (String[] command : commands(Path.of(args.length > 0 ? args[0] : "."))) {
            Main.run(command, none, none);
        }
    }
}
