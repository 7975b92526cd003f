package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.loader.inspect.BtfInfo;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.MapInfo;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfDump;
import dev.ebpf4j.object.elf.ElfFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j btf}: BTF type information of files and of the kernel's BTF objects, printed as bpftool prints it. */
@Command(name = "btf", mixinStandardHelpOptions = true, description = "Inspect BTF type information.",
        subcommands = {BtfCommand.Show.class, BtfCommand.Dump.class},
        footer = {"", "Examples:", "  ebpf4j btf list", "  ebpf4j btf dump id 1", "  ebpf4j btf dump file examples/hello.bpf.o"})
final class BtfCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    /** As {@code bpftool btf}: no command lists the kernel's BTF objects. */
    @Override
    public void run() {
        Show.print(main, spec, List.of());
    }

    /** {@code btf show [id ID]} (also {@code btf list}). */
    @Command(name = "show", aliases = "list", mixinStandardHelpOptions = true,
            description = "Show the BTF objects loaded in the kernel, with the programs and maps that use each.",
            footer = {"", "Examples:", "  ebpf4j btf list", "  ebpf4j btf show id 1", "  ebpf4j -j btf list"})
    static final class Show implements Callable<Integer> {
        @ParentCommand
        BtfCommand btf;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..2", paramLabel = "BTF", description = "id ID")
        List<String> handle = List.of();

        @Override
        public Integer call() {
            if (handle.size() == 1 || (handle.size() == 2 && !Handles.isPrefix(handle.get(0), "id"))) {
                throw new ParameterException(spec.commandLine(), "expected BTF: id ID");
            }
            print(btf.main, spec, handle);
            return 0;
        }

        static void print(Main main, CommandSpec spec, List<String> handle) {
            Inspector kernel = new Inspector();
            List<BtfInfo> objects;
            if (handle.isEmpty()) {
                objects = kernel.btf().list();
            } else {
                long id = Handles.parseUnsigned(handle.get(1), 0);
                if (id < 0 || id > 0xffff_ffffL) {
                    throw new Handles.Failure("can't parse " + handle.get(1) + " as ID");
                }
                objects = List.of(kernel.btf().byId((int) id)
                        .orElseThrow(() -> new Handles.Failure("can't get BTF object by id (" + id + "): No such file or directory")));
            }
            // bpftool's build_btf_tables: every program's and map's btf_id, in libbpf hashmap order
            LibbpfHashmap progs = new LibbpfHashmap();
            for (ProgramInfo p : kernel.programs().list()) {
                if (p.btfId() != 0) {
                    progs.append(Integer.toUnsignedLong(p.btfId()), Integer.toUnsignedLong(p.id()));
                }
            }
            LibbpfHashmap maps = new LibbpfHashmap();
            for (MapInfo m : kernel.maps().list()) {
                if (m.btfId() != 0) {
                    maps.append(Integer.toUnsignedLong(m.btfId()), Integer.toUnsignedLong(m.id()));
                }
            }
            Output output = main.output();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode all = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                for (BtfInfo b : objects) {
                    all.add(Shown.btfJson(b, progs.values(b.id()), maps.values(b.id())));
                }
                output.printBpftool(out, handle.isEmpty() ? all : all.get(0));
            } else {
                for (BtfInfo b : objects) {
                    out.print(Shown.btf(b, progs.values(b.id()), maps.values(b.id())));
                }
            }
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = {"Print every BTF type of a file (an eBPF object's .BTF section or raw BTF such as",
                "/sys/kernel/btf/vmlinux) or of a BTF object in the kernel (id ID, as 'btf list' shows)."},
            footer = {"", "Examples:", "  ebpf4j btf dump file examples/hello.bpf.o", "  ebpf4j btf dump id 1",
                    "  ebpf4j btf dump file /sys/kernel/btf/vmlinux"})
    static final class Dump implements Callable<Integer> {
        @ParentCommand
        BtfCommand btf;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2", paramLabel = "SOURCE", description = "file FILE | id ID")
        List<String> source;

        @Override
        public Integer call() {
            Btf parsed;
            if (source.get(0).equals("file")) {
                parsed = read(Path.of(source.get(1)));
            } else if (source.get(0).equals("id")) {
                long id = Handles.parseUnsigned(source.get(1), 0);
                if (id < 0 || id > 0xffff_ffffL) {
                    throw new Handles.Failure("can't parse " + source.get(1) + " as ID");
                }
                try {
                    parsed = new Inspector().btf().load((int) id);
                } catch (BpfException e) {
                    throw new Handles.Failure("get btf by id (" + id + "): " + Errno.describe(e.errno()));
                }
            } else {
                throw new ParameterException(spec.commandLine(), "unknown BTF source '" + source.get(0)
                        + "'; expected file FILE or id ID");
            }
            Output output = btf.main.output();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectNode root = output.object();
                ArrayNode types = root.putArray("types");
                for (int id = parsed.firstTypeId(); id < parsed.typeCount(); id++) {
                    ObjectNode t = types.addObject();
                    t.put("id", id);
                    t.put("kind", parsed.kind(id).label().toUpperCase(java.util.Locale.ROOT));
                    t.put("name", parsed.name(id).isEmpty() ? "(anon)" : parsed.name(id));
                    t.put("description", BtfDump.format(parsed, id));
                }
                output.print(out, root);
            } else {
                out.print(BtfDump.dump(parsed));
            }
            return 0;
        }

        private static Btf read(Path path) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
                    ElfFile elf = ElfFile.parse(bytes);
                    return Btf.parse(elf.section(".BTF").orElseThrow(() -> new BpfFormatException("no .BTF section"))
                            .data());
                }
                return Btf.parse(bytes);
            } catch (BpfFormatException e) {
                throw new BpfFormatException(path + ": " + e.getMessage(), e);
            }
        }
    }
}
