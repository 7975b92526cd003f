package dev.ebpf4j.loader.inspect;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import dev.ebpf4j.object.ProgramType;

/**
 * A loaded program as the kernel describes it ({@code struct bpf_prog_info} plus the fdinfo lines bpftool reads).
 *
 * @param id the program's id
 * @param type the kernel's program type number ({@link #programType()} for the constant)
 * @param name the full name: the kernel's 15-byte name, or, when that is cut short and the program has BTF, the
 *     name of its first BTF function (as bpftool's {@code get_prog_full_name})
 * @param tag the 16 hex digits of the program tag
 * @param gplCompatible whether the license is GPL-compatible
 * @param loadTimeNs {@code load_time}: when it was loaded, in {@code CLOCK_BOOTTIME} nanoseconds (0 when unknown)
 * @param loadedAt {@code loadTimeNs} as wall-clock time to the second, as bpftool computes it (empty when unknown)
 * @param uid the uid that loaded it
 * @param bytesXlated size of the translated (verifier-rewritten) instructions
 * @param jited whether the program was JIT-compiled
 * @param bytesJited size of the JIT image
 * @param bytesMemlock the fdinfo {@code memlock} value, when present
 * @param mapIds ids of the maps the program uses
 * @param btfId id of the program's BTF object, 0 for none
 * @param runTimeNs total run time with {@code kernel.bpf_stats_enabled}, else 0
 * @param runCnt run count with {@code kernel.bpf_stats_enabled}, else 0
 * @param recursionMisses times the program was not run because it would have recursed
 * @param verifiedInsns instructions the verifier processed (0 on kernels without the field)
 * @param ifindex device of an offloaded program, 0 if none
 * @param funcInfoCount number of BTF function records
 * @param lineInfoCount number of BTF line records
 */
public record ProgramInfo(int id, int type, String name, String tag, boolean gplCompatible, long loadTimeNs,
        Optional<Instant> loadedAt, int uid, int bytesXlated, boolean jited, int bytesJited, OptionalLong bytesMemlock,
        List<Integer> mapIds, int btfId, long runTimeNs, long runCnt, long recursionMisses, int verifiedInsns,
        int ifindex, int funcInfoCount, int lineInfoCount) {

    public ProgramInfo {
        mapIds = List.copyOf(mapIds);
    }

    /** The program type constant, when this library knows the number. */
    public Optional<ProgramType> programType() {
        return ProgramType.of(type);
    }

    /** bpftool's name for the type ({@code xdp}, {@code sched_cls}, ...), or empty when unknown. */
    public Optional<String> typeName() {
        return programType().map(ProgramType::bpftoolName);
    }
}
