/** A reader for ELF64 little-endian relocatable objects of machine EM_BPF: sections, symbols, strings and relocations. */
package dev.ebpf4j.object.elf;
