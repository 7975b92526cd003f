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
import dev.ebpf4j.loader.MapReplacement;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code prog load OBJ PATH [type TYPE] [map {idx IDX | name NAME} MAP] [pinmaps MAP_DIR]} and {@code prog loadall}
 * with the same options: bpftool's loading words. {@code map} uses an existing map instead of creating the object's
 * map of that index or name; {@code dev} (hardware offload) is refused. The object is loaded into the kernel and its first program (load) or
 * every program (loadall, at DIR/NAME) pinned; the pins keep them, and the maps they use, alive after ebpf4j exits.
 * Nothing is printed on success.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Load an object into the kernel and pin its first program at PATH (bpftool prog load).",
                "The pin keeps the program and its maps after ebpf4j exits; remove it with rm to unload.",
                "'type TYPE' must agree with the program's section (ebpf4j does not override types);"
                        + " 'pinmaps MAP_DIR' pins every map of the object at MAP_DIR/NAME;"
                        + " 'map { idx IDX | name NAME } MAP' uses the existing MAP (id ID | name NAME | pinned FILE)"
                        + " instead of creating that map of the object."},
        footer = {"", "Examples:", "  ebpf4j prog load examples/hello.bpf.o /sys/fs/bpf/hello",
                "  ebpf4j prog load examples/globals.bpf.o /sys/fs/bpf/classify type classifier pinmaps /sys/fs/bpf/globals",
                "  ebpf4j prog load examples/packet_filter.bpf.o /sys/fs/bpf/f2 map name blocked_ports pinned /sys/fs/bpf/f1_maps/blocked_ports"})
final class ProgLoadCommand implements Callable<Integer> {
    @ParentCommand
    ProgCommand prog;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "2..*", paramLabel = "OBJ PATH [type TYPE] [map {idx IDX | name NAME} MAP] [pinmaps MAP_DIR]")
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
        List<MapChoice> replacements = new ArrayList<>();
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
            } else if (Handles.isPrefix(word, "map")) {
                // map { idx IDX | name NAME } MAP: four more words
                if (i + 4 >= words.size()) {
                    throw new ParameterException(spec.commandLine(), "expected 'map { idx IDX | name NAME } MAP'");
                }
                replacements.add(mapChoice(words.get(i + 1), words.get(i + 2),
                        replacement(words, i + 3, spec.commandLine())));
                i += 3;
            } else if (Handles.isPrefix(word, "dev")) {
                throw new Handles.Failure("prog " + verb + ": 'dev " + value + "' offloads the program to a network"
                        + " device's hardware, which ebpf4j does not support");
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
        BpfObject opened = BpfObject.open(object);
        LoadOptions options = LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL);
        for (MapChoice c : replacements) {
            options = options.withMapReplacement(c.mapName(opened.spec()), c.existing());
        }
        try (BpfObject obj = opened.load(options)) {
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

    /** An object's map, by index or name, and the existing map to use in its place. */
    record MapChoice(Integer index, String name, MapReplacement existing) {
        String mapName(ObjectSpec spec) {
            if (name != null) {
                boolean known = spec.maps().stream().anyMatch(m -> m.name().equals(name) || name.equals(m.kernelName()));
                if (!known) {
                    throw new Handles.Failure("unable to find map '" + name + "'");
                }
                return name;
            }
            if (index >= spec.maps().size()) {
                throw new Handles.Failure("referenced map not found");
            }
            return spec.maps().get(index).name();
        }
    }

    private static MapChoice mapChoice(String how, String which, MapReplacement existing) {
        if (Handles.isPrefix(how, "idx")) {
            long idx = Handles.parseUnsigned(which, 0);
            if (idx < 0 || idx > Integer.MAX_VALUE) {
                throw new Handles.Failure("can't parse map index " + which);
            }
            return new MapChoice((int) idx, null, existing);
        }
        if (Handles.isPrefix(how, "name")) {
            return new MapChoice(null, which, existing);
        }
        throw new Handles.Failure("expected 'idx' or 'name', got: '" + how + "'?");
    }

    /** The MAP handle at {@code words[at..at+1]}: a pin as itself, an id or a name as the one map it names. */
    private static MapReplacement replacement(List<String> words, int at, picocli.CommandLine cl) {
        if (Handles.isPrefix(words.get(at), "pinned")) {
            return MapReplacement.pinned(Path.of(words.get(at + 1)));
        }
        return MapReplacement.id(Handles.map(new Inspector(), words, at, cl).id());
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
