package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.ebpf4j.loader.RuntimeKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of the {@code ebpf4j} command: bpftool's words and options, in Java. */
@Command(name = "ebpf4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Inspect and manage eBPF objects, programs and maps (bpftool-compatible).",
        footer = {"", "Examples:", "  ebpf4j demo", "  ebpf4j feature", "  ebpf4j obj show examples/hello.bpf.o", "  ebpf4j -p obj show examples/hello.bpf.o",
                "  ebpf4j obj dump examples/syscall_counter.bpf.o name count_syscalls linum", "  ebpf4j prog list",
                "  ebpf4j map dump name hello.bss", "  ebpf4j btf list", "  ebpf4j net list",
                "  ebpf4j --runtime fallback prog run file examples/hello.bpf.o data_in packet.bin tracelog"})
public final class Main implements Runnable {
    /**
     * The top-level commands in help order. picocli reflects over every class registered with it (annotations,
     * fields, methods), which was most of the start-up time, so {@link #commandLine} registers only the command being
     * run, or all of them when the command line asks for help, completion or an unknown word.
     */
    static final Map<String, Class<?>> COMMANDS = commands(ObjCommand.class, ProgCommand.class, MapCommand.class,
            BtfCommand.class, NetCommand.class, LinkCommand.class, DemoCommand.class, FeatureCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class);

    /** Global options that take no value; any other option word before the command ends the search for it. */
    private static final Set<String> FLAGS = Set.of("--json", "--pretty", "--debug", "--bpffs");
    /** Clustered short global flags: {@code -j}, {@code -jp}, {@code -fjd}. */
    private static final Pattern SHORT_FLAGS = Pattern.compile("-[jpdf]+");


    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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

    @Option(names = {"-f", "--bpffs"}, scope = ScopeType.INHERIT, description = "With prog, map and link show: also"
            + " print the files pinning each object, found by walking every mounted bpffs (as bpftool -f).")
    boolean bpffs;

    @Option(names = "--runtime", scope = ScopeType.INHERIT, paramLabel = "kernel|fallback|auto",
            converter = RuntimeConverter.class, description = "Where commands that load objects run programs: the"
            + " kernel, the fallback VM, or auto (the kernel when it can, else the fallback VM). Default:"
            + " -Debpf4j.runtime, else EBPF4J_RUNTIME, else auto.")
    RuntimeKind runtime;

    /** The runtime asked for: {@code --runtime}, else the configured one ({@link RuntimeKind#configured()}). */
    RuntimeKind runtime() {
        return runtime != null ? runtime : RuntimeKind.configured();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The output the global options ask for. */
    Output output() {
        return new Output(json || pretty, pretty);
    }

    /** Runs the command line and returns the exit code: 0 on success, 1 on failure, 2 on a usage error. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("Error: " + describe(ex));
            cmd.getErr().flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("Error: " + usageMessage(ex) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    /** The command line for {@code args}: the root with the one command they name, or with every command. */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        String word = command(commandWord(args));
        if (word != null && !word.equals("completion") && !word.equals("help")) {
            cl.addSubcommand(COMMANDS.get(word));
        } else {
            COMMANDS.values().forEach(cl::addSubcommand);
        }
        // bpftool takes any unambiguous prefix of a command word ("prog sh"); picocli does so once allowed
        cl.setAbbreviatedSubcommandsAllowed(true);
        return cl;
    }

    /** The top-level command {@code word} names, in full or as a prefix of exactly one; null for none. */
    static String command(String word) {
        if (word == null || word.isEmpty()) {
            return null;
        }
        if (COMMANDS.containsKey(word)) {
            return word;
        }
        List<String> matches = COMMANDS.keySet().stream().filter(name -> name.startsWith(word)).toList();
        return matches.size() == 1 ? matches.getFirst() : null;
    }

    /** The first word of {@code args} that is not a global option or its value; null if there is none. */
    static String commandWord(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--runtime")) {
                i++;
            } else if (a.startsWith("--runtime=") || FLAGS.contains(a) || SHORT_FLAGS.matcher(a).matches()) {
                continue;
            } else if (a.startsWith("-")) {
                return null;
            } else {
                return a;
            }
        }
        return null;
    }

    private static Map<String, Class<?>> commands(Class<?>... classes) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        for (Class<?> c : classes) {
            byName.put(c.getAnnotation(Command.class).name(), c);
        }
        return Collections.unmodifiableMap(byName);
    }

    /** The one-line reason for a usage error, suggesting the command the user probably meant. */
    static String usageMessage(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !ex.getCommandLine().getSubcommands().isEmpty()) {
            String word = u.getUnmatched().get(0);
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String name : ex.getCommandLine().getSubcommands().keySet()) {
                int d = editDistance(word, name);
                if (d < bestDistance) {
                    best = name;
                    bestDistance = d;
                }
            }
            if (best != null && bestDistance <= Math.max(1, word.length() / 2)) {
                return "unknown command '" + word + "'; did you mean '" + best + "'?";
            }
            return "unknown command '" + word + "'; commands: "
                    + String.join(", ", ex.getCommandLine().getSubcommands().keySet());
        }
        String message = ex.getMessage();
        return message != null && message.startsWith("Error: ") ? message.substring("Error: ".length()) : message;
    }

    /** Optimal string alignment distance: edits, with a swap of two neighbours counting as one. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
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
