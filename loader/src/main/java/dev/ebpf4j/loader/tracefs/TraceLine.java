package dev.ebpf4j.loader.tracefs;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of {@code trace_pipe} as the kernel writes it, e.g.
 * {@code "           <idle>-0       [001] d.s3.  8123.4567: bpf_trace_printk: Hello World 7"}, with its parts.
 *
 * @param raw       the line exactly as read
 * @param task      the task's comm ({@code <idle>})
 * @param pid       its pid
 * @param cpu       the CPU
 * @param flags     the irq/preempt flags column ({@code d.s3.}), may be empty on old kernels
 * @param timestamp seconds since boot
 * @param event     the event name ({@code bpf_trace_printk})
 * @param message   what follows the event name
 */
public record TraceLine(String raw, String task, int pid, int cpu, String flags, double timestamp, String event,
                        String message) {
    private static final Pattern LINE = Pattern.compile(
            "^\\s*(.+)-(\\d+)\\s+(?:\\(\\s*[-\\d]+\\)\\s+)?\\[(\\d+)\\]\\s+(?:([\\w.]{4,5})\\s+)?(\\d+\\.\\d+):\\s+([\\w:]+):\\s?(.*)$");

    /** Parses a line; empty when it is not an event line (e.g. a lost-events notice). */
    public static Optional<TraceLine> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new TraceLine(line, m.group(1).strip(), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                m.group(4) == null ? "" : m.group(4), Double.parseDouble(m.group(5)), m.group(6), m.group(7)));
    }
}
