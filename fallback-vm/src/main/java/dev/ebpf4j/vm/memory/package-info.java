/** The VM's memory model: a synthetic 64-bit address space of bounds-checked regions backed by memory segments. */
package dev.ebpf4j.vm.memory;
