/** Perf event arrays read from user space: {@link dev.ebpf4j.loader.perf.PerfBufferReader}. */
package dev.ebpf4j.loader.perf;
