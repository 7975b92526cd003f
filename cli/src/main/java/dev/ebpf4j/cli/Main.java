package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of the {@code ebpf4j} command: bpftool's words and options, in Java. */
@Command(name = "ebpf4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Inspect and manage eBPF objects, programs and maps (bpftool-compatible).",
        subcommands = {ObjCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  ebpf4j obj show examples/hello.bpf.o", "  ebpf4j -p obj show examples/hello.bpf.o",
                "  ebpf4j obj dump examples/syscall_counter.bpf.o name count_syscalls linum"})
public final class Main implements Runnable {

    @Option(names = {"-j", "--json"}, scope = ScopeType.INHERIT, description = "Print JSON, as bpftool -j does.")
    boolean json;

    @Option(names = {"-p", "--pretty"}, scope = ScopeType.INHERIT, description = "Print indented JSON (implies -j).")
    boolean pretty;

    @Option(names = {"-d", "--debug"}, scope = ScopeType.INHERIT, description = "Print debug logs on standard error.")
    void debug(boolean on) {
        if (on) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.DEBUG);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command; try 'ebpf4j --help'");
    }

    /** The output the global options ask for. */
    Output output() {
        return new Output(json || pretty, pretty);
    }

    /** Runs the command line and returns the exit code: 0 on success, 1 on failure, 2 on a usage error. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("Error: " + describe(ex));
            cmd.getErr().flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            String msg = ex.getMessage();
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.getErr().println("Error: " + msg + " (try '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    static String describe(Throwable ex) {
        if (ex instanceof UncheckedIOException u && u.getCause() instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file";
        }
        if (ex instanceof UncheckedIOException u) {
            return u.getMessage();
        }
        String msg = ex.getMessage();
        return msg == null || msg.isBlank() ? ex.getClass().getSimpleName() : msg;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, false);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(args, out, err));
    }

    /** Version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ebpf4j " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }
}
