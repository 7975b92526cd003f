package dev.ebpf4j.loader;

import java.util.List;
import java.util.function.Consumer;

/**
 * What programs print with {@code bpf_printk} ({@code bpf_trace_printk}), whichever runtime runs them. In the
 * fallback VM: the lines of this object's programs, kept in memory (the most recent few thousand). In the kernel:
 * the trace pipe ({@code /sys/kernel/tracing/trace_pipe}), which every program on the machine writes to.
 *
 * <pre>{@code
 * obj.program("hello").testRun(TestRun.Input.of(packet));
 * obj.traceLog().messages();   // ["Hello World 0"]
 * }</pre>
 */
public interface TraceLog {

    /**
     * One trace line.
     *
     * @param timestampNanos when it was written (the runtime's clock)
     * @param cpu            the CPU the program ran on
     * @param pid            the task's pid
     * @param comm           the task's name
     * @param program        the program that wrote it, or null when the runtime cannot tell (the kernel's pipe)
     * @param message        what the program printed, without the trailing newline
     * @param text           the whole line as the trace pipe prints it
     */
    record Line(long timestampNanos, int cpu, int pid, String comm, String program, String message, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** A subscription to new lines; closing it stops the deliveries. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** The lines kept so far, oldest first. */
    List<Line> lines();

    /** The lines kept so far, oldest first, removing them: the next call only returns newer lines. */
    List<Line> drain();

    /** Calls {@code listener} with every new line, on the thread that ran the program, until the subscription is closed. */
    Subscription subscribe(Consumer<Line> listener);

    /** The messages of {@link #lines()}. */
    default List<String> messages() {
        return lines().stream().map(Line::message).toList();
    }
}
