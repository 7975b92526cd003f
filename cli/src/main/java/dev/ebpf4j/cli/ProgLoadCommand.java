package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code prog load OBJ PATH [type TYPE] [pinmaps MAP_DIR]} and {@code prog loadall OBJ DIR [type TYPE]
 * [pinmaps MAP_DIR]}: bpftool's loading words. The object is loaded into the kernel and its first program (load) or
 * every program (loadall, at DIR/NAME) pinned; the pins keep them, and the maps they use, alive after ebpf4j exits.
 * Nothing is printed on success.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Load an object into the kernel and pin its first program at PATH (bpftool prog load).",
                "The pin keeps the program and its maps after ebpf4j exits; remove it with rm to unload.",
                "'type TYPE' must agree with the program's section (ebpf4j does not override types);"
                        + " 'pinmaps MAP_DIR' pins every map of the object at MAP_DIR/NAME."},
        footer = {"", "Examples:", "  ebpf4j prog load examples/hello.bpf.o /sys/fs/bpf/hello",
                "  ebpf4j prog load examples/globals.bpf.o /sys/fs/bpf/classify type classifier pinmaps /sys/fs/bpf/globals"})
final class ProgLoadCommand implements Callable<Integer> {
    @ParentCommand
    ProgCommand prog;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "2..*", paramLabel = "OBJ PATH [type TYPE] [pinmaps MAP_DIR]")
    List<String> words = new ArrayList<>();

    @Override
    public Integer call() {
        return load(prog.main, spec, words, false);
    }

    /** {@code prog loadall OBJ DIR}: every program, pinned under DIR by name. */
    @Command(name = "loadall", mixinStandardHelpOptions = true,
            description = {"Load an object into the kernel and pin every program at DIR/NAME (bpftool prog loadall).",
                    "DIR is created if missing. Remove the pins with rm to unload."},
            footer = {"", "Example:", "  ebpf4j prog loadall examples/globals.bpf.o /sys/fs/bpf/globals"})
    static final class All implements Callable<Integer> {
        @ParentCommand
        ProgCommand prog;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "OBJ DIR [type TYPE] [pinmaps MAP_DIR]")
        List<String> words = new ArrayList<>();

        @Override
        public Integer call() {
            return load(prog.main, spec, words, true);
        }
    }

    static int load(Main main, CommandSpec spec, List<String> words, boolean all) {
        String verb = all ? "loadall" : "load";
        Path object = Path.of(words.get(0));
        Path path = Path.of(words.get(1));
        ProgramType type = null;
        String typeWord = null;
        Path pinmaps = null;
        for (int i = 2; i < words.size(); i += 2) {
            String word = words.get(i);
            if (i + 1 >= words.size()) {
                throw new ParameterException(spec.commandLine(), "expected a value after '" + word + "'");
            }
            String value = words.get(i + 1);
            if (Handles.isPrefix(word, "type")) {
                type = loadType(value);
                typeWord = value;
            } else if (Handles.isPrefix(word, "pinmaps")) {
                pinmaps = Path.of(value);
            } else if (word.equals("map") || word.equals("dev")) {
                throw new Handles.Failure("prog " + verb + ": '" + word + "' is not supported by ebpf4j yet");
            } else {
                throw new ParameterException(spec.commandLine(), "expected no more arguments, 'type', 'map', 'dev' or"
                        + " 'pinmaps', got: '" + word + "'?");
            }
        }
        if (main.runtime() == RuntimeKind.FALLBACK) {
            throw new Handles.Failure("prog " + verb + ": pinning needs the kernel runtime (--runtime fallback loads"
                    + " programs into this process only, and they end with it)");
        }
        if (!Files.isRegularFile(object)) {
            throw new Handles.Failure("failed to open object file " + object + ": no such file");
        }
        List<Path> pinned = new ArrayList<>();
        try (BpfObject obj = BpfObject.open(object).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL))) {
            if (obj.programs().isEmpty()) {
                throw new Handles.Failure("object file " + object + " doesn't contain any bpf program");
            }
            List<BpfProgram> programs = all ? obj.programs() : List.of(obj.programs().getFirst());
            if (type != null) {
                for (BpfProgram p : programs) {
                    if (p.type() != type) {
                        throw new Handles.Failure("prog " + verb + ": type " + typeWord
                                + " does not match program " + p.name() + " (" + p.type().name().toLowerCase(java.util.Locale.ROOT)
                                + ", from section " + p.spec().sectionName() + "); ebpf4j does not override program types");
                    }
                }
            }
            try {
                if (all) {
                    mkdirs(path);
                    for (BpfProgram p : programs) {
                        Path at = path.resolve(p.name());
                        p.pin(at);
                        pinned.add(at);
                    }
                } else {
                    programs.getFirst().pin(path);
                    pinned.add(path);
                }
                if (pinmaps != null) {
                    mkdirs(pinmaps);
                    for (BpfMap m : obj.maps()) {
                        Path at = pinmaps.resolve(pinName(m));
                        m.pin(at);
                        pinned.add(at);
                    }
                }
            } catch (RuntimeException e) {
                for (Path p : pinned) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
        return 0;
    }

    /**
     * The file name libbpf gives a map under {@code pinmaps}: its name in the kernel ({@code globals.rodata} for an
     * internal map) with dots made underscores, since bpffs refuses names with dots.
     */
    static String pinName(BpfMap m) {
        String name = m.name();
        if (m instanceof dev.ebpf4j.loader.kernel.KernelMap k) {
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                name = dev.ebpf4j.bindings.Bpf.cString(dev.ebpf4j.bindings.uapi.bpf_map_info.name(
                        dev.ebpf4j.bindings.Bpf.mapInfo(k.fd(), a)));
            }
        }
        return name.replace('.', '_');
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("can't create directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** bpftool's {@code type} words for load (section-style names), else its program type names. */
    static ProgramType loadType(String word) {
        ProgramType t = switch (word) {
            case "socket" -> ProgramType.SOCKET_FILTER;
            case "kprobe", "kretprobe" -> ProgramType.KPROBE;
            case "classifier" -> ProgramType.SCHED_CLS;
            case "action" -> ProgramType.SCHED_ACT;
            case "tracepoint" -> ProgramType.TRACEPOINT;
            case "raw_tracepoint" -> ProgramType.RAW_TRACEPOINT;
            case "xdp" -> ProgramType.XDP;
            case "perf_event" -> ProgramType.PERF_EVENT;
            default -> ProgramType.byBpftoolName(word).orElse(null);
        };
        if (t == null) {
            throw new Handles.Failure("unknown program type '" + word + "'");
        }
        return t;
    }
}
