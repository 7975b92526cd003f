package dev.ebpf4j.loader.inspect;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import dev.ebpf4j.object.MapType;

/**
 * A map as the kernel describes it ({@code struct bpf_map_info} plus the fdinfo lines bpftool reads).
 *
 * @param id the map's id
 * @param type the kernel's map type number ({@link #mapType()} for the constant)
 * @param name the kernel's name (at most 15 bytes)
 * @param flags {@code map_flags}
 * @param keySize key size in bytes
 * @param valueSize value size in bytes (per CPU for per-CPU maps)
 * @param maxEntries capacity
 * @param mapExtra {@code map_extra} (bloom filter hashes, arena address)
 * @param bytesMemlock the fdinfo {@code memlock} value, when present
 * @param btfId id of the map's BTF object, 0 for none
 * @param btfKeyTypeId BTF type of the key, 0 for none
 * @param btfValueTypeId BTF type of the value, 0 for none
 * @param btfVmlinuxValueTypeId vmlinux BTF type of the value (struct_ops), 0 for none
 * @param frozen whether user space can no longer write it (fdinfo {@code frozen})
 * @param ownerProgType for a program array, the type of program it holds (fdinfo {@code owner_prog_type})
 * @param ownerJited for a program array, whether its owner is JIT-compiled (fdinfo {@code owner_jited})
 * @param ifindex device of an offloaded map, 0 if none
 */
public record MapInfo(int id, int type, String name, int flags, int keySize, int valueSize, int maxEntries,
        long mapExtra, OptionalLong bytesMemlock, int btfId, int btfKeyTypeId, int btfValueTypeId,
        int btfVmlinuxValueTypeId, boolean frozen, OptionalInt ownerProgType, Optional<Boolean> ownerJited, int ifindex) {

    /** The map type constant, when this library knows the number. */
    public Optional<MapType> mapType() {
        return MapType.of(type);
    }

    /** bpftool's name for the type ({@code hash}, {@code array}, ...), or empty when unknown. */
    public Optional<String> typeName() {
        return mapType().map(MapType::bpftoolName);
    }

    /** True for the per-CPU map types, whose values have one slot per possible CPU. */
    public boolean perCpu() {
        return mapType().map(t -> switch (t) {
            case PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE -> true;
            default -> false;
        }).orElse(false);
    }
}
