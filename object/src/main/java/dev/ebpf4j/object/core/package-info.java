/** CO-RE: relocating a program's field offsets, sizes, type and enum facts against the target kernel's BTF. */
package dev.ebpf4j.object.core;
