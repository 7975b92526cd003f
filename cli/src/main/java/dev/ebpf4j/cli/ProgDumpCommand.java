package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.KernelSymbols;
import dev.ebpf4j.loader.inspect.ProgramCode;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.disasm.XlatedDisassembler;
import dev.ebpf4j.object.disasm.XlatedSymbols;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code prog dump xlated|jited PROG [file FILE | [opcodes] [linum]]}, as bpftool prints it. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Dump a loaded program's translated instructions (xlated) or JIT-compiled code (jited).",
            "PROG is id ID | tag TAG | name NAME | pinned FILE; 'file FILE' writes the raw bytes instead;",
            "'opcodes' adds the bytes of each instruction, 'linum' the file, line and column of each source line.",
            "jited code is disassembled with GNU objdump when it is installed, else printed as bytes."},
        footer = {"", "Examples:", "  ebpf4j prog dump xlated name hello", "  ebpf4j prog dump xlated id 42 opcodes linum",
                "  ebpf4j -j prog dump xlated tag 3b185187f1855c4c", "  ebpf4j prog dump jited pinned /sys/fs/bpf/hello",
                "  ebpf4j prog dump xlated id 42 file /tmp/hello.bin"})
final class ProgDumpCommand implements Callable<Integer> {
    @ParentCommand
    ProgCommand prog;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "3..*", paramLabel = "ARGS", description = "xlated|jited PROG [file FILE | [opcodes] [linum]]")
    List<String> args;

    @Override
    public Integer call() {
        String mode = args.get(0);
        boolean jited;
        if (Handles.isPrefix(mode, "xlated")) {
            jited = false;
        } else if (Handles.isPrefix(mode, "jited")) {
            jited = true;
        } else {
            throw new ParameterException(spec.commandLine(), "expected 'xlated' or 'jited', got: '" + mode + "'");
        }
        Inspector kernel = new Inspector();
        ProgramInfo info = Handles.program(kernel, args, 1, spec.commandLine());
        boolean opcodes = false;
        boolean linum = false;
        Path file = null;
        for (int i = 3; i < args.size(); i++) {
            String word = args.get(i);
            if (Handles.isPrefix(word, "file") && file == null && i + 1 < args.size()) {
                file = Path.of(args.get(++i));
            } else if (Handles.isPrefix(word, "opcodes")) {
                opcodes = true;
            } else if (Handles.isPrefix(word, "linum")) {
                linum = true;
            } else if (Handles.isPrefix(word, "visual")) {
                throw new Handles.Failure("'visual' (control flow graph) is not supported");
            } else {
                throw new ParameterException(spec.commandLine(), "unexpected '" + word
                        + "'; expected file FILE, opcodes or linum");
            }
        }
        if (file != null && (opcodes || linum)) {
            throw new ParameterException(spec.commandLine(), "file FILE cannot be combined with opcodes or linum");
        }
        ProgramCode code = kernel.programs().code(info.id());
        Output output = prog.main.output();
        PrintWriter out = spec.commandLine().getOut();
        byte[] bytes = jited ? code.jited() : code.xlated();
        if (bytes.length == 0) {
            throw new Handles.Failure(jited ? "no instructions returned"
                    : "error retrieving insn dump: kernel.kptr_restrict set?");
        }
        if (file != null) {
            try {
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new Handles.Failure("can't open file " + file + ": " + e.getMessage());
            }
            if (output.json()) {
                output.printBpftool(out, JsonNodeFactory.instance.nullNode());
            }
            return 0;
        }
        KernelSymbols ksyms = KernelSymbols.load();
        if (jited) {
            JitedDump.print(code, ksyms, opcodes, linum, output, out);
        } else if (output.json()) {
            output.printBpftool(out, xlatedJson(code, ksyms, opcodes, linum));
        } else {
            out.print(xlatedText(code, ksyms, opcodes, linum));
        }
        return 0;
    }

    static XlatedSymbols symbols(ProgramCode code, KernelSymbols ksyms) {
        long callBase = ksyms.address("__bpf_call_base").orElse(0);
        long[] jitedAddresses = code.info().jited() ? code.jitedAddresses() : new long[0];
        return XlatedSymbols.bpftool(callBase, ksyms::at, jitedAddresses);
    }

    /** Slot to function signature, from the BTF func_info records. */
    static Map<Integer, String> headers(ProgramCode code) {
        Map<Integer, String> out = new HashMap<>();
        if (code.btf().isPresent()) {
            for (ProgramCode.FuncInfo f : code.funcInfo()) {
                out.putIfAbsent(f.insnOff(), BtfSignature.of(code.btf().get(), f.typeId()));
            }
        }
        return out;
    }

    /**
     * libbpf's {@code bpf_prog_linfo__lfind}: the last line record at or before {@code insnOff} from record
     * {@code nrSkip} on, if it is exactly at {@code insnOff}.
     */
    static Optional<ProgramCode.LineInfo> lfind(List<ProgramCode.LineInfo> lines, int insnOff, int nrSkip) {
        if (nrSkip >= lines.size() || Integer.compareUnsigned(insnOff, lines.get(nrSkip).insnOff()) < 0) {
            return Optional.empty();
        }
        int j = nrSkip;
        while (j < lines.size() && Integer.compareUnsigned(insnOff, lines.get(j).insnOff()) >= 0) {
            j++;
        }
        ProgramCode.LineInfo cand = lines.get(j - 1);
        return cand.insnOff() == insnOff ? Optional.of(cand) : Optional.empty();
    }

    /** bpftool's {@code ltrim}: leading C white space removed. */
    static String ltrim(String s) {
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return s.substring(i);
    }

    /** The text after {@code "; "} of a line record, as {@code btf_dump_linfo_plain}. */
    static String lineText(ProgramCode.LineInfo l, boolean linum) {
        String text = ltrim(l.line());
        if (linum) {
            text += " [file:" + l.file() + " line_num:" + Integer.toUnsignedString(l.lineNum()) + " line_col:"
                    + Integer.toUnsignedString(l.lineCol()) + "]";
        }
        return text;
    }

    /** Slot to the line record printed before it, walking the slots as bpftool's {@code dump_xlated_plain}. */
    static Map<Integer, ProgramCode.LineInfo> sourceLines(ProgramCode code, List<Instruction> insns) {
        Map<Integer, ProgramCode.LineInfo> out = new HashMap<>();
        if (code.btf().isEmpty()) {
            return out;
        }
        int nrSkip = 0;
        for (int slot : Instructions.slots(insns)) {
            Optional<ProgramCode.LineInfo> l = lfind(code.lineInfo(), slot, nrSkip);
            if (l.isPresent()) {
                out.put(slot, l.get());
                nrSkip++;
            }
        }
        return out;
    }

    static String xlatedText(ProgramCode code, KernelSymbols ksyms, boolean opcodes, boolean linum) {
        List<Instruction> insns = code.instructions();
        Map<Integer, String> sources = new HashMap<>();
        sourceLines(code, insns).forEach((slot, l) -> sources.put(slot, lineText(l, linum)));
        return XlatedDisassembler.dump(insns, symbols(code, ksyms), headers(code), sources, opcodes);
    }

    static ArrayNode xlatedJson(ProgramCode code, KernelSymbols ksyms, boolean opcodes, boolean linum) {
        List<Instruction> insns = code.instructions();
        XlatedSymbols symbols = symbols(code, ksyms);
        Map<Integer, String> headers = headers(code);
        Map<Integer, ProgramCode.LineInfo> lines = sourceLines(code, insns);
        byte[] raw = code.xlated();
        int[] slots = Instructions.slots(insns);
        ArrayNode all = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < slots.length; i++) {
            int slot = slots[i];
            ObjectNode n = all.addObject();
            String header = headers.get(slot);
            if (header != null && !header.isEmpty()) {
                n.put("proto", header);
            }
            ProgramCode.LineInfo l = lines.get(slot);
            if (l != null) {
                n.put("src", ltrim(l.line()));
                if (linum) {
                    n.put("file", l.file());
                    if (l.lineNum() != 0) {
                        n.put("line_num", l.lineNum());
                    }
                    if (l.lineCol() != 0) {
                        n.put("line_col", l.lineCol());
                    }
                }
            }
            n.put("disasm", XlatedDisassembler.text(insns.get(i), symbols));
            if (opcodes) {
                int at = slot * 8;
                ObjectNode o = n.putObject("opcodes");
                o.put("code", String.format("0x%02x", raw[at] & 0xff));
                o.put("src_reg", String.format("0x%x", (raw[at + 1] >> 4) & 0xf));
                o.put("dst_reg", String.format("0x%x", raw[at + 1] & 0xf));
                o.set("off", hexArray(raw, at + 2, 2));
                boolean wide = insns.get(i).isLoadImm64() && at + 16 <= raw.length;
                o.set("imm", hexArray(raw, at + 4, wide ? 12 : 4));
            }
        }
        return all;
    }

    /** bpftool's {@code print_hex_data_json}: {@code ["0x00","0x1f",...]}. */
    static ArrayNode hexArray(byte[] bytes, int from, int length) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int i = from; i < from + length; i++) {
            a.add(String.format("0x%02x", bytes[i] & 0xff));
        }
        return a;
    }

}
