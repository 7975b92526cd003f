/** The pure-Java eBPF virtual machine (filled in by the fallback VM issue). */
package dev.ebpf4j.vm;
