/** The bpftool-compatible command line. */
package dev.ebpf4j.cli;
