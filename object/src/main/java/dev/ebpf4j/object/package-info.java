/** The pure model of an eBPF object file: programs, maps, global data and the references the loader patches; no system calls. */
package dev.ebpf4j.object;
