/**
 * The kernel backend: objects loaded with the {@code bpf()} system call, no libbpf.
 *
 * <p>{@link dev.ebpf4j.loader.kernel.KernelBackend} says whether it can load an object here (bpf() probed once per
 * process with a trivial socket filter, program and map types probed once each, and what the loader does not do
 * yet: CO-RE relocations, externs other than the kconfig {@code LINUX_KERNEL_VERSION}, BTF-attached program types)
 * and loads it all or nothing:
 * <ol>
 *   <li>BTF: {@link dev.ebpf4j.loader.kernel.KernelBtf#prepare} with the BTF kinds the kernel accepts (each probed),
 *       {@code BPF_BTF_LOAD}; when the kernel refuses it, the object loads without BTF and a warning is logged.</li>
 *   <li>Maps: {@code BPF_MAP_CREATE} with the object's BTF key and value types (retried without when refused),
 *       inner map templates for map-in-map, maps with {@code pinning = LIBBPF_PIN_BY_NAME} reused from
 *       {@code LoadOptions.pinRoot()/<name>} when type, sizes, max_entries and flags match (else refused, naming the
 *       difference) or created and pinned there. Global data maps get their initial value, {@code .rodata*} is
 *       frozen, and each is mmap'ed (read-only for frozen ones) so {@code Globals} reads make no system call. A
 *       {@code .kconfig} map holds {@code LINUX_KERNEL_VERSION} laid out as {@code KernelBtf} laid it out.</li>
 *   <li>Programs: the linked code with map descriptors patched in, kconfig externs turned into
 *       {@code BPF_PSEUDO_MAP_VALUE} loads, func_info and line_info, {@code BPF_PROG_LOAD}. On failure the load is
 *       made again with a verifier log of 64 KiB, grown four times over on ENOSPC up to 16 MiB, and a
 *       {@link dev.ebpf4j.loader.kernel.ProgramLoadException} carries the errno, the verifier's last meaningful line
 *       and the whole log.</li>
 * </ol>
 * Map operations that the kernel refuses throw {@link dev.ebpf4j.loader.kernel.BpfMapException} naming the map,
 * the operation and the errno; pins outside bpffs or onto an existing path throw
 * {@link dev.ebpf4j.loader.kernel.PinException}.
 */
package dev.ebpf4j.loader.kernel;
