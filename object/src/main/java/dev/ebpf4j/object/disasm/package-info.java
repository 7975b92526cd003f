/** Disassemblers in llvm-objdump's and bpftool's xlated styles. */
package dev.ebpf4j.object.disasm;
