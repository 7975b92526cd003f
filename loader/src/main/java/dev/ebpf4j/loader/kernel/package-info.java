/** The kernel backend: objects loaded with the bpf() system call. */
package dev.ebpf4j.loader.kernel;
