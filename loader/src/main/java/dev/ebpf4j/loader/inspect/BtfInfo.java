package dev.ebpf4j.loader.inspect;

/**
 * A BTF object loaded in the kernel ({@code struct bpf_btf_info}).
 *
 * @param id the BTF object's id
 * @param name {@code vmlinux} or a module's name for kernel BTF, usually "" for a program's
 * @param size size of the raw BTF in bytes
 * @param kernel whether this is the kernel's or a module's BTF
 */
public record BtfInfo(int id, String name, int size, boolean kernel) {}
