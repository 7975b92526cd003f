package dev.ebpf4j.bindings;

import java.util.Optional;

import dev.ebpf4j.bindings.uapi.Uapi;

/** The {@code bpf(2)} commands ({@code enum bpf_cmd}), numbered by the generated UAPI constants. */
public enum BpfCommand {
    MAP_CREATE(Uapi.BPF_MAP_CREATE()),
    MAP_LOOKUP_ELEM(Uapi.BPF_MAP_LOOKUP_ELEM()),
    MAP_UPDATE_ELEM(Uapi.BPF_MAP_UPDATE_ELEM()),
    MAP_DELETE_ELEM(Uapi.BPF_MAP_DELETE_ELEM()),
    MAP_GET_NEXT_KEY(Uapi.BPF_MAP_GET_NEXT_KEY()),
    PROG_LOAD(Uapi.BPF_PROG_LOAD()),
    OBJ_PIN(Uapi.BPF_OBJ_PIN()),
    OBJ_GET(Uapi.BPF_OBJ_GET()),
    PROG_ATTACH(Uapi.BPF_PROG_ATTACH()),
    PROG_DETACH(Uapi.BPF_PROG_DETACH()),
    PROG_TEST_RUN(Uapi.BPF_PROG_TEST_RUN()),
    PROG_GET_NEXT_ID(Uapi.BPF_PROG_GET_NEXT_ID()),
    MAP_GET_NEXT_ID(Uapi.BPF_MAP_GET_NEXT_ID()),
    PROG_GET_FD_BY_ID(Uapi.BPF_PROG_GET_FD_BY_ID()),
    MAP_GET_FD_BY_ID(Uapi.BPF_MAP_GET_FD_BY_ID()),
    OBJ_GET_INFO_BY_FD(Uapi.BPF_OBJ_GET_INFO_BY_FD()),
    PROG_QUERY(Uapi.BPF_PROG_QUERY()),
    RAW_TRACEPOINT_OPEN(Uapi.BPF_RAW_TRACEPOINT_OPEN()),
    BTF_LOAD(Uapi.BPF_BTF_LOAD()),
    BTF_GET_FD_BY_ID(Uapi.BPF_BTF_GET_FD_BY_ID()),
    TASK_FD_QUERY(Uapi.BPF_TASK_FD_QUERY()),
    MAP_LOOKUP_AND_DELETE_ELEM(Uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM()),
    MAP_FREEZE(Uapi.BPF_MAP_FREEZE()),
    BTF_GET_NEXT_ID(Uapi.BPF_BTF_GET_NEXT_ID()),
    MAP_LOOKUP_BATCH(Uapi.BPF_MAP_LOOKUP_BATCH()),
    MAP_LOOKUP_AND_DELETE_BATCH(Uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH()),
    MAP_UPDATE_BATCH(Uapi.BPF_MAP_UPDATE_BATCH()),
    MAP_DELETE_BATCH(Uapi.BPF_MAP_DELETE_BATCH()),
    LINK_CREATE(Uapi.BPF_LINK_CREATE()),
    LINK_UPDATE(Uapi.BPF_LINK_UPDATE()),
    LINK_GET_FD_BY_ID(Uapi.BPF_LINK_GET_FD_BY_ID()),
    LINK_GET_NEXT_ID(Uapi.BPF_LINK_GET_NEXT_ID()),
    ENABLE_STATS(Uapi.BPF_ENABLE_STATS()),
    ITER_CREATE(Uapi.BPF_ITER_CREATE()),
    LINK_DETACH(Uapi.BPF_LINK_DETACH()),
    PROG_BIND_MAP(Uapi.BPF_PROG_BIND_MAP());

    private final int value;

    BpfCommand(int value) {
        this.value = value;
    }

    /** The {@code bpf_cmd} number passed to {@code bpf(2)}. */
    public int value() {
        return value;
    }

    /** The C name, e.g. {@code BPF_PROG_LOAD}. */
    public String cName() {
        return "BPF_" + name();
    }

    /** The command with number {@code cmd}, if this enum has it. */
    public static Optional<BpfCommand> of(int cmd) {
        for (BpfCommand c : values()) {
            if (c.value == cmd) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The C name of {@code cmd} ({@code BPF_MAP_CREATE}), or {@code bpf cmd N} for one this enum lacks. */
    public static String nameOf(int cmd) {
        return of(cmd).map(BpfCommand::cName).orElse("bpf cmd " + cmd);
    }
}
