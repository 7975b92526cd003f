/** Java implementations of BPF maps with kernel semantics, shared by programs and Java callers. */
package dev.ebpf4j.vm.maps;
