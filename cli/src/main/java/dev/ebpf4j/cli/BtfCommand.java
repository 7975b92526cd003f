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

/** {@code ebpf4j btf dump file FILE}: BTF type information, printed as bpftool prints it. */
@Command(name = "btf", mixinStandardHelpOptions = true, description = "Inspect BTF type information.",
        subcommands = {BtfCommand.Dump.class})
final class BtfCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: dump");
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = "Print every BTF type of a file: an eBPF object's .BTF section or raw BTF such as /sys/kernel/btf/vmlinux.",
            footer = {"", "Examples:", "  ebpf4j btf dump file examples/hello.bpf.o",
                    "  ebpf4j btf dump file /sys/kernel/btf/vmlinux"})
    static final class Dump implements Callable<Integer> {
        @ParentCommand
        BtfCommand btf;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2", paramLabel = "SOURCE", description = "file FILE")
        List<String> source;

        @Override
        public Integer call() {
            if (!source.get(0).equals("file")) {
                throw new ParameterException(spec.commandLine(), "unknown BTF source '" + source.get(0)
                        + "'; expected file FILE");
            }
            Path path = Path.of(source.get(1));
            Btf parsed = read(path);
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
