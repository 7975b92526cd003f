package dev.ebpf4j.vm.helpers;

import java.util.Locale;

/**
 * One {@code bpf_trace_printk} line: the formatted message (without a trailing newline) and what the
 * kernel's trace pipe shows around it.
 */
public record TraceEvent(long timestampNanos, int cpu, int pid, String comm, String program, String message) {

    /** The line as {@code /sys/kernel/tracing/trace_pipe} prints it. */
    public String traceLine() {
        return String.format(Locale.ROOT, "%16s-%-7d [%03d] ....1 %5d.%06d: bpf_trace_printk: %s", comm, pid, cpu,
                timestampNanos / 1_000_000_000L, (timestampNanos / 1000) % 1_000_000, message);
    }
}
