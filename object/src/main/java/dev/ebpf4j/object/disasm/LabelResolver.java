package dev.ebpf4j.object.disasm;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Names the target of a jump for llvm-objdump's {@code <label>} suffix
 * ({@code if r1 == 0 goto +7 <LBB1_2>}).
 */
@FunctionalInterface
public interface LabelResolver {

    /**
     * The label for a jump target, given as a byte offset in the same coordinates as the listing
     * (offset within the section), or empty for no label.
     */
    Optional<String> label(long targetByteOffset);

    /** No labels at all. */
    LabelResolver NONE = target -> Optional.empty();

    /**
     * llvm-objdump's rule: the symbol at the target, or the nearest one before it as
     * {@code name+0x<hex distance>}; nothing when no symbol lies at or before the target. Like
     * llvm-objdump, addresses compare as unsigned 64-bit numbers, so a jump before the section start
     * wraps around ({@code goto -5 <.text+0xffffffffffffffe0>}).
     *
     * @param symbols byte offset within the section to symbol name (the caller chooses which symbols
     *     count, e.g. functions and local labels of the section)
     */
    static LabelResolver nearestSymbol(Map<Long, String> symbols) {
        NavigableMap<Long, String> sorted = new TreeMap<>(Long::compareUnsigned);
        sorted.putAll(Objects.requireNonNull(symbols, "symbols"));
        return target -> {
            Map.Entry<Long, String> e = sorted.floorEntry(target);
            if (e == null) {
                return Optional.empty();
            }
            long delta = target - e.getKey();
            return Optional.of(delta == 0 ? e.getValue() : e.getValue() + "+0x" + Long.toHexString(delta));
        };
    }
}
