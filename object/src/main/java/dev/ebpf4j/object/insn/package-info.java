/** eBPF instructions: the typed model of struct bpf_insn, decoding, encoding and the program tag. */
package dev.ebpf4j.object.insn;
