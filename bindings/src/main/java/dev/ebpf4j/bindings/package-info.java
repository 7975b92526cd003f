/** FFM bindings for the Linux UAPI and the syscall layer that captures errno (filled in by the kernel loader issue). */
package dev.ebpf4j.bindings;
