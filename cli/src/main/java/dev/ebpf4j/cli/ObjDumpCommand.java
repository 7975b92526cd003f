package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.object.ObjectListing;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.disasm.Listing;
import dev.ebpf4j.object.insn.Instructions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j obj dump FILE.o [name PROG] [linum] [no-raw]}: an llvm-objdump-style listing with source lines. */
@Command(name = "dump", mixinStandardHelpOptions = true, description = {"Disassemble an object file in llvm-objdump's style, with '; source' lines from BTF.ext.",
        "Without 'name', every code section as the file holds it (with relocations); with 'name PROG',"
                + " the program linked as it is loaded: entry function, then its subprograms."},
        footer = {"", "Examples:", "  ebpf4j obj dump examples/hello.bpf.o",
                "  ebpf4j obj dump examples/syscall_counter.bpf.o name count_syscalls linum",
                "  ebpf4j -p obj dump examples/hello.bpf.o name hello"})
final class ObjDumpCommand implements Callable<Integer> {
    @ParentCommand
    ObjCommand obj;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the eBPF object file")
    Path file;

    @Parameters(index = "1..*", paramLabel = "WORDS", arity = "0..*",
            description = "name PROG: only that program; linum: file, line and column with source lines;"
                    + " no-raw: leave out the raw bytes")
    List<String> words = new ArrayList<>();

    @Override
    public Integer call() {
        String program = null;
        boolean linum = false;
        boolean raw = true;
        for (int i = 0; i < words.size(); i++) {
            switch (words.get(i)) {
                case "name" -> {
                    if (i + 1 >= words.size()) {
                        throw new ParameterException(spec.commandLine(), "'name' needs a program name");
                    }
                    program = words.get(++i);
                }
                case "linum" -> linum = true;
                case "no-raw" -> raw = false;
                default -> throw new ParameterException(spec.commandLine(), "unknown word '" + words.get(i)
                        + "'; expected name PROG, linum or no-raw");
            }
        }
        ObjectSpec object = ObjectSpec.open(file);
        ProgramSpec prog = null;
        if (program != null) {
            String wanted = program;
            prog = object.program(wanted).orElseThrow(() -> new IllegalArgumentException(file + ": no program named '"
                    + wanted + "' (programs: " + String.join(", ", object.programs().stream().map(ProgramSpec::name).toList())
                    + ")"));
        }
        Output output = obj.main.output();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            List<ObjectListing.Line> lines = prog == null ? ObjectListing.sectionLines(object) : ObjectListing.programLines(object, prog);
            output.print(out, json(output, lines));
            return 0;
        }
        ObjectListing.Options options = new ObjectListing.Options(raw, true, linum);
        out.print(Listing.fileHeader(file.toString()));
        out.print(prog == null ? ObjectListing.sections(object, options) : ObjectListing.program(object, prog, options));
        return 0;
    }

    private static ArrayNode json(Output output, List<ObjectListing.Line> lines) {
        ArrayNode arr = output.array();
        HexFormat hex = HexFormat.ofDelimiter(" ");
        for (ObjectListing.Line l : lines) {
            ObjectNode n = arr.addObject();
            n.put("section", l.section());
            if (l.function() != null) {
                n.put("func", l.function());
            }
            n.put("pc", l.slot());
            n.put("opcodes", hex.formatHex(Instructions.encode(List.of(l.instruction()))));
            n.put("disasm", l.text());
            if (l.source() != null) {
                n.put("src", l.source().text());
                n.put("file", l.source().file());
                n.put("line_num", l.source().line());
                n.put("line_col", l.source().column());
            }
        }
        return arr;
    }
}
