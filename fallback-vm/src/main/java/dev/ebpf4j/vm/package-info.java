/** The pure-Java eBPF virtual machine: load objects and programs, run them, read their maps. */
package dev.ebpf4j.vm;
