package dev.ebpf4j.loader;

/** How a map update treats an existing entry: the kernel's {@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST}. */
public enum UpdateFlag {
    /** Create the entry or replace it. */
    ANY(0),
    /** Create the entry; fail with EEXIST when it exists. */
    NOEXIST(1),
    /** Replace the entry; fail with ENOENT when it does not exist. */
    EXIST(2);

    private final long value;

    UpdateFlag(long value) {
        this.value = value;
    }

    /** The kernel's flag value. */
    public long value() {
        return value;
    }
}
