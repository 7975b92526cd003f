/** The public API for loading eBPF objects into the kernel or the fallback VM (filled in by the kernel loader issue). */
package dev.ebpf4j.loader;
