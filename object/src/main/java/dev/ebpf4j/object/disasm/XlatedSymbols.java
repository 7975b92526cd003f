package dev.ebpf4j.object.disasm;

import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;

/**
 * Resolves the parts of bpftool's {@code prog dump xlated} text that depend on the running kernel:
 * names of calls and the rendering of lddw immediates. Either method may return {@code null} to get
 * the default rendering.
 *
 * <p>In the kernel's xlated dump, a map lddw carries the map id (not an fd) in imm, with the value
 * offset in the second imm; helper and kfunc calls carry the callee's address relative to the
 * kernel's {@code __bpf_call_base}; a BPF-to-BPF call carries the relative slot offset in off and
 * the subprogram's index in imm (after JIT).
 */
public interface XlatedSymbols {

    /**
     * The name part of a call: for a BPF-to-BPF call the text after {@code call pc} (e.g.
     * {@code "+7#bpf_prog_3e9d5b818a3ef5d7_account"}), otherwise the text before {@code #imm} (e.g.
     * {@code "bpf_trace_printk"}). Not consulted for a helper call whose imm is a known helper id.
     * {@code null} gives the kernel's default ({@code pc%+d} of imm, {@code kernel-function} for
     * kfuncs, {@code unknown} otherwise).
     */
    default String call(Instruction call) {
        return null;
    }

    /**
     * The text right of {@code rN = } for an lddw. {@code null} gives bpftool's rules:
     * {@code map[id:N]} (MAP_FD), {@code map[id:N][0]+off} (MAP_VALUE), {@code map[idx:N]+off}
     * (MAP_IDX_VALUE), {@code subprog[%+d]} (FUNC), else {@code 0x<hex of the 64-bit immediate>}.
     */
    default String loadImm64(Instruction lddw) {
        return null;
    }

    /** No kernel symbols: default renderings only. */
    XlatedSymbols NONE = new XlatedSymbols() {};

    /**
     * bpftool's own resolution ({@code print_call} in its xlated_dumper.c), given what bpftool reads
     * from the kernel.
     *
     * @param callBase address of {@code __bpf_call_base} from /proc/kallsyms (0 when unknown)
     * @param kernelSymbolAt exact-address lookup in /proc/kallsyms
     * @param jitedFunctionAddresses the program's {@code jited_ksyms} (subprogram start addresses),
     *     empty when not JITed or unknown
     */
    static XlatedSymbols bpftool(long callBase, LongFunction<Optional<String>> kernelSymbolAt,
            long[] jitedFunctionAddresses) {
        Objects.requireNonNull(kernelSymbolAt, "kernelSymbolAt");
        long[] jited = jitedFunctionAddresses == null ? new long[0] : jitedFunctionAddresses.clone();
        return new XlatedSymbols() {
            @Override
            public String call(Instruction call) {
                long address = callBase + call.imm();
                boolean pseudo = call.src() == Pseudo.CALL;
                if (pseudo && Integer.toUnsignedLong(call.imm()) < jited.length) {
                    address = jited[call.imm()];
                }
                Optional<String> sym = kernelSymbolAt.apply(address);
                String rel = String.format("%+d", (int) call.off());
                if (pseudo) {
                    if (jited.length == 0) {
                        return rel;
                    }
                    return sym.map(s -> rel + "#" + s).orElse(rel + "#0x" + Long.toHexString(address));
                }
                return sym.orElse("0x" + Long.toHexString(address));
            }
        };
    }
}
