package dev.ebpf4j.loader.inspect;

import java.util.List;
import java.util.Optional;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/**
 * The code of a loaded program as the kernel reports it in one {@code BPF_OBJ_GET_INFO_BY_FD}: translated
 * instructions, the JIT image with its function boundaries, and the BTF function and line records.
 *
 * @param info the program's description
 * @param xlated the translated instructions (map fds replaced by map ids), empty when the kernel withholds them
 * @param jited the JIT image (all functions, in order), empty when not JIT-compiled or withheld
 * @param functions the JIT image's functions: kernel address (0 when hidden) and length, in image order
 * @param funcInfo BTF function records ({@code insn_off}, {@code type_id}), in xlated instruction slots
 * @param lineInfo BTF line records with their JIT addresses when known
 * @param btf the program's BTF object, parsed, when it has one
 */
public record ProgramCode(ProgramInfo info, byte[] xlated, byte[] jited, List<JitedFunction> functions,
        List<FuncInfo> funcInfo, List<LineInfo> lineInfo, Optional<Btf> btf) {

    public ProgramCode {
        xlated = xlated.clone();
        jited = jited.clone();
        functions = List.copyOf(functions);
        funcInfo = List.copyOf(funcInfo);
        lineInfo = List.copyOf(lineInfo);
    }

    @Override
    public byte[] xlated() {
        return xlated.clone();
    }

    @Override
    public byte[] jited() {
        return jited.clone();
    }

    /** The translated instructions, decoded. */
    public List<Instruction> instructions() {
        return xlated.length == 0 ? List.of() : Instructions.decode(xlated);
    }

    /** Kernel addresses of the JIT-compiled functions ({@code jited_ksyms}), in order. */
    public long[] jitedAddresses() {
        return functions.stream().mapToLong(JitedFunction::address).toArray();
    }

    /**
     * One function of the JIT image.
     *
     * @param address the kernel address of its first byte (0 when kernel addresses are hidden)
     * @param offset where it starts in {@link #jited()}
     * @param length its length in bytes
     */
    public record JitedFunction(long address, int offset, int length) {}

    /**
     * A BTF function record.
     *
     * @param insnOff the xlated instruction slot where the function starts
     * @param typeId its BTF FUNC type
     */
    public record FuncInfo(int insnOff, int typeId) {}

    /**
     * A BTF line record, with its strings resolved from the program's BTF ("" when it has none).
     *
     * @param insnOff the xlated instruction slot
     * @param file source file name
     * @param line source line text
     * @param lineNum line number (from {@code line_col >> 10})
     * @param lineCol column (from {@code line_col & 0x3ff})
     * @param jitedAddress kernel address of the matching JIT code, 0 when unknown
     */
    public record LineInfo(int insnOff, String file, String line, int lineNum, int lineCol, long jitedAddress) {}
}
