package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.TraceLog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j prog run PROG data_in FILE [data_out FILE] [data_size_out N] [ctx_in FILE] [ctx_out FILE]
 * [ctx_size_out N] [repeat N] [tracelog]}: bpftool's {@code prog run}, with its words and output, plus
 * {@code tracelog} to print the trace lines the run produced (a CLI process runs one command, so this is how the
 * lines of a fallback run are seen).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a program on the given data and context (BPF_PROG_TEST_RUN), as 'bpftool prog run' does,"
                + " and print its return value and duration.",
                "PROG is 'file OBJ.o [name NAME]' (the object's first program without a name); it is loaded into the"
                        + " runtime --runtime chooses. The kernel forms 'id ID', 'tag TAG', 'name NAME' and"
                        + " 'pinned PATH' name programs already in the kernel, which the fallback VM cannot reach.",
                "FILE '-' is standard input (data_in, ctx_in) or output (data_out, ctx_out: a hex dump, or a JSON"
                        + " array with -j). 'tracelog' prints the lines the program wrote with bpf_printk during this"
                        + " run, after the result (JSON: key \"tracelog\")."},
        footer = {"", "Examples:",
                "  ebpf4j --runtime fallback prog run file examples/hello.bpf.o data_in packet.bin",
                "  ebpf4j prog run file examples/hello.bpf.o data_in packet.bin data_out - repeat 100 tracelog",
                "  ebpf4j -j prog run file examples/syscall_counter.bpf.o name count_syscalls ctx_in args.bin"})
final class ProgRunCommand implements Callable<Integer> {
    private static final List<String> KEYWORDS = List.of("data_in", "data_out", "data_size_out", "ctx_in", "ctx_out",
            "ctx_size_out", "repeat", "tracelog");

    @ParentCommand
    ProgCommand prog;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PROG_AND_OPTIONS",
            description = "PROG, then data_in FILE, data_out FILE, data_size_out N, ctx_in FILE, ctx_out FILE,"
                    + " ctx_size_out N, repeat N, tracelog")
    List<String> words;

    /** The parsed command line. */
    record Request(Path object, String program, String kernelForm, String dataIn, String dataOut, int dataSizeOut,
                   String ctxIn, String ctxOut, int ctxSizeOut, int repeat, boolean tracelog) {
    }

    @Override
    public Integer call() {
        Request req = parse(words);
        RuntimeKind runtime = prog.main.runtime();
        if (req.kernelForm() != null && runtime == RuntimeKind.FALLBACK) {
            throw new IllegalStateException("prog run " + req.kernelForm() + ": programs by id, tag, name or pinned path"
                    + " are programs in the kernel, which the fallback VM cannot reach; run one from its object file:"
                    + " prog run file OBJ.o [name NAME] data_in FILE ...");
        }
        if (req.kernelForm() != null) {
            if (req.tracelog()) {
                throw new IllegalStateException("tracelog: a program in the kernel writes to the trace pipe; read it"
                        + " with 'prog tracelog'");
            }
            byte[] dataIn = req.dataIn() == null ? null : read(req.dataIn());
            byte[] ctxIn = req.ctxIn() == null ? null : read(req.ctxIn());
            String[] form = req.kernelForm().split(" ", 2);
            dev.ebpf4j.loader.inspect.ProgramInfo info = Handles.program(new dev.ebpf4j.loader.inspect.Inspector(),
                    List.of(form[0], form[1]), 0, spec.commandLine());
            print(req, kernelRun(info.id(), req, dataIn, ctxIn), dataIn != null, ctxIn != null, List.of());
            return 0;
        }
        byte[] dataIn = req.dataIn() == null ? null : read(req.dataIn());
        byte[] ctxIn = req.ctxIn() == null ? null : read(req.ctxIn());
        // a run loads the object for itself: maps it pins by name go under a pin root of this run, removed after it,
        // so that nothing the user did not ask for stays in bpffs (nor is an existing pin of that name used)
        Path pinRoot = LoadOptions.DEFAULT_PIN_ROOT.resolve("ebpf4j-run-" + ProcessHandle.current().pid());
        boolean madeRoot = makeDirectory(pinRoot);
        try {
            return runFromObject(req, runtime, pinRoot, dataIn, ctxIn);
        } finally {
            if (madeRoot) {
                DemoCommand.deleteTree(pinRoot); // unlinking a pin is unpinning
            }
        }
    }

    private int runFromObject(Request req, RuntimeKind runtime, Path pinRoot, byte[] dataIn, byte[] ctxIn) {
        try (BpfObject obj = BpfObject.open(req.object()).load(LoadOptions.defaults().withRuntime(runtime)
                .withPinRoot(pinRoot))) {
            BpfProgram p = req.program() != null ? obj.program(req.program()) : first(obj);
            TestRun.Input input = new TestRun.Input(dataIn, ctxIn, req.repeat(), req.dataSizeOut());
            List<String> lines = new ArrayList<>();
            TestRun.Result r;
            if (req.tracelog()) {
                TraceLog log;
                try {
                    log = obj.traceLog();
                } catch (UnsupportedOperationException e) {
                    throw new IllegalStateException("tracelog: the " + obj.runtime().kind().name().toLowerCase(Locale.ROOT)
                            + " runtime keeps no trace log for a run; read the trace pipe with 'prog tracelog' while"
                            + " it runs, or run it with --runtime fallback", e);
                }
                try (TraceLog.Subscription s = log.subscribe(l -> lines.add(l.text()))) {
                    r = p.testRun(input);
                }
            } else {
                r = p.testRun(input);
            }
            if (ctxIn != null && r.contextOut() != null && req.ctxSizeOut() > 0 && r.contextOut().length > req.ctxSizeOut()) {
                throw new IllegalStateException("failed to run program: the context out (" + r.contextOut().length
                        + " bytes) does not fit ctx_size_out " + req.ctxSizeOut() + " (ENOSPC)");
            }
            print(req, r, dataIn != null, ctxIn != null, lines);
        }
        return 0;
    }

    /** Creates {@code dir}; false when it exists or cannot be made (a load that needs it then says why). */
    private static boolean makeDirectory(Path dir) {
        try {
            Files.createDirectory(dir);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** bpftool's default room for data_out and ctx_out when no size is given. */
    static final int DEFAULT_OUT_SIZE = 32 * 1024;

    /**
     * {@code BPF_PROG_TEST_RUN} of the kernel's program {@code id}, as bpftool's {@code prog run} makes it: data out and
     * context out only when asked for, with data_size_out/ctx_size_out or 32 KiB of room.
     */
    static TestRun.Result kernelRun(int id, Request req, byte[] dataIn, byte[] ctxIn) {
        try (dev.ebpf4j.bindings.Fd fd = dev.ebpf4j.bindings.Bpf.progGetFdById(id);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment attr = dev.ebpf4j.bindings.Bpf.newAttr(arena);
            java.lang.foreign.MemorySegment test = dev.ebpf4j.bindings.uapi.bpf_attr.test(attr);
            dev.ebpf4j.bindings.uapi.bpf_attr.test.prog_fd(test, fd.raw());
            dev.ebpf4j.bindings.uapi.bpf_attr.test.repeat(test, req.repeat());
            java.lang.foreign.MemorySegment dataOut = null;
            java.lang.foreign.MemorySegment ctxOut = null;
            if (dataIn != null) {
                dev.ebpf4j.bindings.uapi.bpf_attr.test.data_in(test, segment(arena, dataIn).address());
                dev.ebpf4j.bindings.uapi.bpf_attr.test.data_size_in(test, dataIn.length);
                if (req.dataOut() != null) {
                    int size = req.dataSizeOut() > 0 ? req.dataSizeOut() : DEFAULT_OUT_SIZE;
                    dataOut = arena.allocate(size, 8);
                    dev.ebpf4j.bindings.uapi.bpf_attr.test.data_out(test, dataOut.address());
                    dev.ebpf4j.bindings.uapi.bpf_attr.test.data_size_out(test, size);
                }
            }
            if (ctxIn != null) {
                dev.ebpf4j.bindings.uapi.bpf_attr.test.ctx_in(test, segment(arena, ctxIn).address());
                dev.ebpf4j.bindings.uapi.bpf_attr.test.ctx_size_in(test, ctxIn.length);
                if (req.ctxOut() != null) {
                    int size = req.ctxSizeOut() > 0 ? req.ctxSizeOut() : DEFAULT_OUT_SIZE;
                    ctxOut = arena.allocate(size, 8);
                    dev.ebpf4j.bindings.uapi.bpf_attr.test.ctx_out(test, ctxOut.address());
                    dev.ebpf4j.bindings.uapi.bpf_attr.test.ctx_size_out(test, size);
                }
            }
            try {
                dev.ebpf4j.bindings.Bpf.progTestRun(attr);
            } catch (dev.ebpf4j.bindings.BpfException e) {
                throw new Handles.Failure("failed to run program: " + dev.ebpf4j.bindings.Errno.describe(e.errno()));
            }
            byte[] data = dataOut == null ? new byte[0] : dataOut.asSlice(0, Math.min(dataOut.byteSize(),
                    Integer.toUnsignedLong(dev.ebpf4j.bindings.uapi.bpf_attr.test.data_size_out(test))))
                    .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            byte[] ctx = ctxOut == null ? null : ctxOut.asSlice(0, Math.min(ctxOut.byteSize(),
                    Integer.toUnsignedLong(dev.ebpf4j.bindings.uapi.bpf_attr.test.ctx_size_out(test))))
                    .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            return new TestRun.Result(Integer.toUnsignedLong(dev.ebpf4j.bindings.uapi.bpf_attr.test.retval(test)), data,
                    ctx, Integer.toUnsignedLong(dev.ebpf4j.bindings.uapi.bpf_attr.test.duration(test)));
        } catch (dev.ebpf4j.bindings.BpfException e) {
            throw new Handles.Failure("get by id (" + id + "): " + dev.ebpf4j.bindings.Errno.describe(e.errno()));
        }
    }

    private static java.lang.foreign.MemorySegment segment(java.lang.foreign.Arena arena, byte[] bytes) {
        java.lang.foreign.MemorySegment s = arena.allocate(Math.max(1, bytes.length), 8);
        java.lang.foreign.MemorySegment.copy(bytes, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    private static BpfProgram first(BpfObject obj) {
        if (obj.programs().isEmpty()) {
            throw new IllegalStateException(obj.spec().name() + " has no programs");
        }
        return obj.programs().getFirst();
    }

    private void print(Request req, TestRun.Result r, boolean hadData, boolean hadCtx, List<String> lines) {
        Output output = prog.main.output();
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode root = output.object();
        // as bpftool: data out only when there was data in, context out only when there was a context in
        if (hadData && req.dataOut() != null) {
            emit(output, out, root, "data_out", req.dataOut(), r.dataOut());
        }
        if (hadCtx && req.ctxOut() != null && r.contextOut() != null) {
            emit(output, out, root, "ctx_out", req.ctxOut(), r.contextOut());
        }
        if (output.json()) {
            root.put("retval", r.retval());
            root.put("duration", r.durationNanos());
            if (req.tracelog()) {
                ArrayNode t = root.putArray("tracelog");
                lines.forEach(t::add);
            }
            output.print(out, root);
        } else {
            out.printf(Locale.ROOT, "Return value: %d, duration%s: %dns%n", r.retval(),
                    req.repeat() > 1 ? " (average)" : "", r.durationNanos());
            lines.forEach(out::println);
        }
        out.flush();
    }

    private static void emit(Output output, PrintWriter out, ObjectNode root, String key, String file, byte[] bytes) {
        if (!file.equals("-")) {
            try {
                Files.write(Path.of(file), bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("failed to write " + key + " to " + file + ": " + e.getMessage(), e);
            }
        } else if (output.json()) {
            ArrayNode a = root.putArray(key);
            for (byte b : bytes) {
                a.add(b & 0xff);
            }
        } else {
            out.print(hexDump(bytes));
        }
    }

    /** bpftool's hex dump: offset, 16 bytes in pairs, then the printable characters. */
    static String hexDump(byte[] data) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < data.length; i += 16) {
            sb.append(String.format(Locale.ROOT, "%07x\t", i));
            int j = i;
            for (; j < i + 16 && j < data.length; j++) {
                sb.append(String.format(Locale.ROOT, "%02x", data[j] & 0xff)).append(j % 2 == 1 ? " " : "");
            }
            for (; j < i + 16; j++) {
                sb.append("  ").append(j % 2 == 1 ? " " : "");
            }
            sb.append("| ");
            for (j = i; j < i + 16 && j < data.length; j++) {
                char c = (char) (data[j] & 0xff);
                sb.append(c < ' ' || c > '~' ? '.' : c).append(j == i + 7 ? " " : "");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private byte[] read(String file) {
        try {
            return file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the words as bpftool does (keywords may be abbreviated to a unique prefix). */
    Request parse(List<String> args) {
        List<String> w = new ArrayList<>(args);
        Path object = null;
        String program = null;
        String kernelForm = null;
        String form = take(w, "PROG");
        switch (match(form, List.of("file", "id", "tag", "name", "pinned"), "'file', 'id', 'tag', 'name' or 'pinned'")) {
            case "file" -> {
                object = Path.of(take(w, "an object file after 'file'"));
                if (!w.isEmpty() && w.getFirst().equals("name")) {
                    w.removeFirst();
                    program = take(w, "a program name after 'name'");
                }
            }
            default -> {
                String kind = match(form, List.of("id", "tag", "name", "pinned"), "");
                kernelForm = kind + " " + take(w, "a value after '" + kind + "'");
            }
        }
        String dataIn = null;
        String dataOut = null;
        String ctxIn = null;
        String ctxOut = null;
        int dataSizeOut = 0;
        int ctxSizeOut = 0;
        int repeat = 1;
        boolean tracelog = false;
        while (!w.isEmpty()) {
            String word = w.removeFirst();
            String kw = match(word, KEYWORDS, "no more arguments, 'data_in', 'data_out', 'data_size_out', 'ctx_in',"
                    + " 'ctx_out', 'ctx_size_out', 'repeat' or 'tracelog'");
            switch (kw) {
                case "data_in" -> dataIn = take(w, "a file after 'data_in'");
                case "data_out" -> dataOut = take(w, "a file after 'data_out'");
                case "ctx_in" -> ctxIn = take(w, "a file after 'ctx_in'");
                case "ctx_out" -> ctxOut = take(w, "a file after 'ctx_out'");
                case "data_size_out" -> dataSizeOut = number(take(w, "a size after 'data_size_out'"), "output data size");
                case "ctx_size_out" -> ctxSizeOut = number(take(w, "a size after 'ctx_size_out'"), "output context size");
                case "repeat" -> repeat = Math.max(1, number(take(w, "a number after 'repeat'"), "repeat number"));
                case "tracelog" -> tracelog = true;
                default -> throw new IllegalStateException(kw);
            }
        }
        if ("-".equals(dataIn) && "-".equals(ctxIn)) {
            throw usage("cannot use standard input for both data_in and ctx_in");
        }
        return new Request(object, program, kernelForm, dataIn, dataOut, dataSizeOut, ctxIn, ctxOut, ctxSizeOut,
                repeat, tracelog);
    }

    private String take(List<String> w, String what) {
        if (w.isEmpty()) {
            throw usage("expected " + what);
        }
        return w.removeFirst();
    }

    private int number(String s, String what) {
        try {
            return Integer.decode(s);
        } catch (NumberFormatException e) {
            throw usage("can't parse " + s + " as " + what);
        }
    }

    private static boolean isPrefix(String word, String keyword) {
        return !word.isEmpty() && keyword.startsWith(word);
    }

    /** The keyword {@code word} abbreviates; a usage error when it abbreviates none or several. */
    private String match(String word, List<String> keywords, String expected) {
        if (keywords.contains(word)) {
            return word;
        }
        List<String> hits = keywords.stream().filter(k -> isPrefix(word, k)).toList();
        if (hits.size() == 1) {
            return hits.getFirst();
        }
        if (hits.size() > 1) {
            throw usage("ambiguous prefix: '" + word + "' could be '" + String.join("', '", hits) + "'");
        }
        throw usage("expected " + expected + ", got: '" + word + "'?");
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
