package dev.ebpf4j.object;

/**
 * A place in a program's instructions that the loader must patch: recorded here, never patched.
 * Every reference names the instruction by its slot index within its function (a {@code lddw} takes two slots).
 */
public sealed interface Reference {

    /** Slot index of the instruction to patch, relative to the start of its function. */
    int insnIndex();

    /** A {@code lddw} that loads a map's file descriptor ({@code BPF_PSEUDO_MAP_FD}). */
    record MapFd(int insnIndex, String map) implements Reference {
    }

    /** A {@code lddw} that loads the address of a global-data map value plus {@code offset} ({@code BPF_PSEUDO_MAP_VALUE}). */
    record MapValue(int insnIndex, String map, int offset, String variable) implements Reference {
    }

    /** A BPF-to-BPF call ({@code src_reg = 1}) to {@code function}, which starts at slot {@code targetIndex} of its section. */
    record Call(int insnIndex, String function, String section, int targetIndex) implements Reference {
    }

    /** A {@code lddw} that loads the address of a function, for callbacks ({@code BPF_PSEUDO_FUNC}). */
    record FunctionAddress(int insnIndex, String function, String section, int targetIndex) implements Reference {
    }

    /**
     * A reference to a symbol the object does not define ({@code extern}): a kconfig value ({@code __kconfig}, a
     * variable of the {@code .kconfig} section, which loaders place in a {@code .kconfig} map and load as a map
     * value), a kernel symbol ({@code __ksym}) or a kernel function (a call).
     */
    record Extern(int insnIndex, String symbol, boolean call, boolean kconfig) implements Reference {
    }
}
