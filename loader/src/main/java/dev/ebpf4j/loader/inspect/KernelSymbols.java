package dev.ebpf4j.loader.inspect;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A snapshot of {@code /proc/kallsyms}: kernel symbol names by exact address, as bpftool looks up helper calls,
 * subprograms ({@code bpf_prog_<tag>_<name>}) and JIT-compiled functions. Empty when the file cannot be read; all
 * addresses are 0 when {@code kernel.kptr_restrict} hides them.
 */
public final class KernelSymbols {
    private final Map<Long, String> byAddress;

    private KernelSymbols(Map<Long, String> byAddress) {
        this.byAddress = byAddress;
    }

    /** Reads {@code /proc/kallsyms} now. */
    public static KernelSymbols load() {
        return new KernelSymbols(Procfs.kallsyms());
    }

    /** The first symbol listed at exactly {@code address}. */
    public Optional<String> at(long address) {
        return address == 0 ? Optional.empty() : Optional.ofNullable(byAddress.get(address));
    }

    /** The address of symbol {@code name}, if listed (and not hidden). */
    public OptionalLong address(String name) {
        for (Map.Entry<Long, String> e : byAddress.entrySet()) {
            if (e.getValue().equals(name) && e.getKey() != 0) {
                return OptionalLong.of(e.getKey());
            }
        }
        return OptionalLong.empty();
    }
}
