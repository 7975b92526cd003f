package dev.ebpf4j.vm.verifier;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;

/**
 * The verifier's view of one helper function, a small cousin of the kernel's {@code struct bpf_func_proto}: what
 * it returns, what each argument register must hold, and which program types may call it.
 *
 * @param id        the helper id ({@code enum bpf_func_id})
 * @param name      its name with the {@code bpf_} prefix, for messages
 * @param ret       what R0 holds after the call
 * @param args      the kinds of R1..R5 (at most 5; registers past the list are not checked)
 * @param mapTypes  for a {@link ArgKind#CONST_MAP_PTR} argument, the map types it accepts (empty: any map type that
 *                  does not reserve its own helpers, see {@link HelperSet#compatible})
 * @param allowedIn which program types may call it ({@code null} program type means the ISA/conformance mode)
 * @param changesPacketData true when the helper may move packet data, invalidating packet pointers
 */
public record HelperProto(int id, String name, RetKind ret, List<ArgKind> args, Set<MapType> mapTypes,
                          Predicate<ProgramType> allowedIn, boolean changesPacketData) {

    public HelperProto {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ret, "ret");
        args = List.copyOf(args);
        mapTypes = Set.copyOf(mapTypes);
        Objects.requireNonNull(allowedIn, "allowedIn");
        if (args.size() > 5) {
            throw new IllegalArgumentException("a helper takes at most 5 arguments: " + name);
        }
    }

    /** A helper allowed everywhere, without map-type restrictions. */
    public static HelperProto of(int id, String name, RetKind ret, ArgKind... args) {
        return new HelperProto(id, name, ret, List.of(args), Set.of(), t -> true, false);
    }

    /** A copy restricted to the program types {@code allowed} accepts. */
    public HelperProto allowedIn(Predicate<ProgramType> allowed) {
        return new HelperProto(id, name, ret, args, mapTypes, allowed, changesPacketData);
    }

    /** A copy whose map argument must be one of {@code types}. */
    public HelperProto mapTypes(MapType... types) {
        return new HelperProto(id, name, ret, args, Set.of(types), allowedIn, changesPacketData);
    }

    /** A copy marked as moving packet data. */
    public HelperProto changingPacketData() {
        return new HelperProto(id, name, ret, args, mapTypes, allowedIn, true);
    }

    /** What an argument register must hold. */
    public enum ArgKind {
        /** Any initialised value. */
        ANYTHING,
        /** A map ({@code lddw map_fd} or a map taken from a map-in-map). */
        CONST_MAP_PTR,
        /** A pointer to {@code key_size} readable, initialised bytes (key of the preceding map argument). */
        PTR_TO_MAP_KEY,
        /** A pointer to {@code value_size} readable, initialised bytes (value of the preceding map argument). */
        PTR_TO_MAP_VALUE,
        /** A pointer to readable, initialised memory; its size is the next argument. */
        PTR_TO_MEM,
        /** A pointer to writable memory the helper fills; its size is the next argument. */
        PTR_TO_UNINIT_MEM,
        /** A scalar size greater than zero with a known upper bound, for the preceding memory argument. */
        CONST_SIZE,
        /** Like {@link #CONST_SIZE}, zero allowed. */
        CONST_SIZE_OR_ZERO,
        /** A scalar with a known constant value: the size of the memory the helper returns. */
        CONST_ALLOC_SIZE_OR_ZERO,
        /** The program's context pointer, unmodified. */
        PTR_TO_CTX,
        /** A function address ({@code lddw func}), called back by the helper with R1 = scalar, R2 = the next argument. */
        PTR_TO_FUNC,
        /** A pointer to the stack, or the constant 0. */
        PTR_TO_STACK_OR_NULL,
        /** Memory returned by {@code bpf_ringbuf_reserve}, not yet submitted or discarded (this releases it). */
        PTR_TO_RINGBUF_MEM,
        /** A pointer into a map value (the {@code struct bpf_spin_lock} inside it). */
        PTR_TO_SPIN_LOCK
    }

    /** What R0 holds after the call. */
    public enum RetKind {
        /** An unknown scalar. */
        INTEGER,
        /** Nothing: R0 is left uninitialised. */
        VOID,
        /** A pointer to a value of the map argument, or NULL (must be null-checked); for map-in-map a map or NULL. */
        MAP_VALUE_OR_NULL,
        /** A pointer to ringbuf memory of the requested size, or NULL; a reference that must be released. */
        RINGBUF_MEM_OR_NULL,
        /** A trusted, non-NULL pointer to the current {@code struct task_struct} (readable by loads, not writable). */
        PTR_TO_TASK
    }
}
