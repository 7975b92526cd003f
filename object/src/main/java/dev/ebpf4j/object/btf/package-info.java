/**
 * BTF and BTF.ext: type information, function and line info, CO-RE relocation records.
 *
 * <ul>
 *   <li>{@link dev.ebpf4j.object.btf.Btf}: a parsed {@code .BTF} blob or {@code /sys/kernel/btf/vmlinux}
 *       (also split BTF on a base), with lookups, {@code sizeOf}, {@code resolve}, {@code describe}
 *       and re-encoding.
 *   <li>{@link dev.ebpf4j.object.btf.BtfType}: one record per BTF kind.
 *   <li>{@link dev.ebpf4j.object.btf.BtfExt}: a parsed {@code .BTF.ext} section.
 *   <li>{@link dev.ebpf4j.object.btf.BtfDump}: bpftool's raw {@code btf dump} format.
 * </ul>
 *
 * Malformed input is reported with {@link dev.ebpf4j.object.BpfFormatException}.
 */
package dev.ebpf4j.object.btf;
