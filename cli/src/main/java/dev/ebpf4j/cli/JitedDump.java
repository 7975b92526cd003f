package dev.ebpf4j.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.inspect.KernelSymbols;
import dev.ebpf4j.loader.inspect.ProgramCode;

/**
 * {@code prog dump jited} in the layout of bpftool built with libbfd: per function the BTF signature, the kernel
 * symbol ({@code bpf_prog_<tag>_<name>}), then {@code "%4x:\t<instruction>"} lines with the function-relative
 * offset. The instructions come from GNU objdump ({@code objdump -D -b binary -m i386:x86-64}, the same libbfd
 * disassembler bpftool links); without objdump, or for other architectures, each line holds up to 8 raw bytes.
 */
final class JitedDump {
    private JitedDump() {}

    /** One disassembled instruction: offset in its function, its bytes, and its text. */
    record Insn(int pc, byte[] bytes, String text) {}

    private static final Pattern OBJDUMP_LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+?)\\s*\\t(.*)$");
    private static final Pattern DATA_SYMBOL = Pattern.compile(" <\\.data(\\+0x[0-9a-f]+)?>");

    static void print(ProgramCode code, KernelSymbols ksyms, boolean opcodes, boolean linum, Output output, PrintWriter out) {
        byte[] image = code.jited();
        List<ProgramCode.JitedFunction> functions = code.functions();
        ArrayNode json = JsonNodeFactory.instance.arrayNode();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < functions.size(); i++) {
            ProgramCode.JitedFunction f = functions.get(i);
            String symbol = f.address() == 0 ? "unknown"
                    : ksyms.at(f.address()).orElse(String.format("0x%016x", f.address()));
            String signature = "";
            if (code.btf().isPresent() && i < code.funcInfo().size()) {
                signature = BtfSignature.of(code.btf().get(), code.funcInfo().get(i).typeId());
            }
            byte[] body = new byte[f.length()];
            System.arraycopy(image, f.offset(), body, 0, f.length());
            List<Insn> insns = disassemble(body);
            List<ProgramCode.LineInfo> lines = f.address() == 0 ? List.of()
                    : code.lineInfo().stream().filter(l -> l.jitedAddress() >= f.address()
                            && l.jitedAddress() < f.address() + f.length()).toList();
            if (output.json()) {
                ObjectNode fn = json.addObject();
                if (!signature.isEmpty()) {
                    fn.put("proto", signature);
                }
                fn.put("name", symbol);
                ArrayNode list = fn.putArray("insns");
                int nrSkip = 0;
                for (Insn insn : insns) {
                    ObjectNode n = list.addObject();
                    Optional<ProgramCode.LineInfo> l = lfindAddress(lines, f.address() + insn.pc(), nrSkip);
                    if (l.isPresent()) {
                        nrSkip++;
                        n.put("src", ProgDumpCommand.ltrim(l.get().line()));
                        if (linum) {
                            n.put("file", l.get().file());
                            if (l.get().lineNum() != 0) {
                                n.put("line_num", l.get().lineNum());
                            }
                            if (l.get().lineCol() != 0) {
                                n.put("line_col", l.get().lineCol());
                            }
                        }
                    }
                    n.put("pc", "0x" + Integer.toHexString(insn.pc()));
                    String[] words = insn.text().strip().split("[ \\t]+", 2);
                    n.put("operation", words[0]);
                    ArrayNode operands = n.putArray("operands");
                    if (words.length > 1) {
                        for (String op : words[1].split("[ \\t,()]+")) {
                            if (!op.isEmpty()) {
                                operands.add(op);
                            }
                        }
                    }
                    if (operands.isEmpty()) {
                        operands.addNull();
                    }
                    if (opcodes) {
                        n.set("opcodes", ProgDumpCommand.hexArray(insn.bytes(), 0, insn.bytes().length));
                    }
                }
            } else {
                if (!signature.isEmpty()) {
                    text.append(signature).append(":\n");
                }
                text.append(symbol).append(":\n");
                int nrSkip = 0;
                for (Insn insn : insns) {
                    Optional<ProgramCode.LineInfo> l = lfindAddress(lines, f.address() + insn.pc(), nrSkip);
                    if (l.isPresent()) {
                        nrSkip++;
                        text.append("; ").append(ProgDumpCommand.lineText(l.get(), linum)).append('\n');
                    }
                    text.append(String.format("%4x:\t", insn.pc())).append(insn.text());
                    if (opcodes) {
                        text.append("\n\t");
                        for (byte b : insn.bytes()) {
                            text.append(String.format("%02x ", b & 0xff));
                        }
                    }
                    text.append('\n');
                }
                text.append('\n');
            }
        }
        if (output.json()) {
            output.printBpftool(out, json);
        } else {
            out.print(text);
        }
    }

    /** {@code bpf_prog_linfo__lfind_addr_func} within one function's line records (sorted by address). */
    static Optional<ProgramCode.LineInfo> lfindAddress(List<ProgramCode.LineInfo> lines, long address, int nrSkip) {
        if (nrSkip >= lines.size() || Long.compareUnsigned(address, lines.get(nrSkip).jitedAddress()) < 0) {
            return Optional.empty();
        }
        int j = nrSkip;
        while (j < lines.size() && Long.compareUnsigned(address, lines.get(j).jitedAddress()) >= 0) {
            j++;
        }
        ProgramCode.LineInfo cand = lines.get(j - 1);
        return cand.jitedAddress() == address ? Optional.of(cand) : Optional.empty();
    }

    /** The instructions of one function, from objdump when it can, else as lines of raw bytes. */
    static List<Insn> disassemble(byte[] body) {
        if ("amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch"))) {
            Optional<List<Insn>> insns = objdump(body);
            if (insns.isPresent()) {
                return insns.get();
            }
        }
        return rawLines(body);
    }

    static List<Insn> rawLines(byte[] body) {
        List<Insn> out = new ArrayList<>();
        for (int pc = 0; pc < body.length; pc += 8) {
            int n = Math.min(8, body.length - pc);
            byte[] bytes = new byte[n];
            System.arraycopy(body, pc, bytes, 0, n);
            StringBuilder sb = new StringBuilder(".byte ");
            for (int i = 0; i < n; i++) {
                sb.append(i > 0 ? "," : "").append(String.format("0x%02x", bytes[i] & 0xff));
            }
            out.add(new Insn(pc, bytes, sb.toString()));
        }
        return out;
    }

    static Optional<Path> findObjdump() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "objdump");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** objdump's reading of {@code body}, or empty when objdump is missing or fails or does not cover every byte. */
    static Optional<List<Insn>> objdump(byte[] body) {
        Optional<Path> tool = findObjdump();
        if (tool.isEmpty() || body.length == 0) {
            return Optional.empty();
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile("ebpf4j-jited", ".bin");
            Files.write(tmp, body);
            Process p = new ProcessBuilder(tool.get().toString(), "-D", "-z", "-b", "binary", "-m", "i386:x86-64",
                    "--insn-width=16", tmp.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Optional.empty();
            }
            List<Insn> out = new ArrayList<>();
            int expected = 0;
            for (String line : output.split("\n")) {
                Matcher m = OBJDUMP_LINE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                int pc = Integer.parseInt(m.group(1), 16);
                String[] hex = m.group(2).strip().split(" ");
                byte[] bytes = new byte[hex.length];
                for (int i = 0; i < hex.length; i++) {
                    bytes[i] = (byte) Integer.parseInt(hex[i], 16);
                }
                if (pc != expected) {
                    return Optional.empty();
                }
                expected = pc + bytes.length;
                out.add(new Insn(pc, bytes, DATA_SYMBOL.matcher(m.group(3)).replaceAll("").stripTrailing()));
            }
            return expected == body.length ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
