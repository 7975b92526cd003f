/** The kernel's tracing filesystem: where it is (mounting it when absent), tracepoint ids, kprobe support. */
package dev.ebpf4j.loader.tracefs;
