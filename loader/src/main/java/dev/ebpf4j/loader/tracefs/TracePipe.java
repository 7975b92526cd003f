package dev.ebpf4j.loader.tracefs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A reader of {@code trace_pipe}: the lines {@code bpf_printk} writes, as the kernel writes them. Reading consumes
 * them (as for {@code bpftool prog tracelog}), so one reader at a time sees each line. Lines are read on a daemon
 * thread and handed to a callback or taken with {@link #poll}; {@link #close()} stops the thread.
 */
public final class TracePipe implements AutoCloseable {
    private final InputStream in;
    private final Thread reader;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>(100_000);
    private volatile Consumer<String> callback;
    private volatile boolean closed;

    private TracePipe(InputStream in) {
        this.in = in;
        this.reader = Thread.ofPlatform().daemon().name("ebpf4j-trace-pipe").start(this::pump);
    }

    /** Opens {@code trace_pipe} of tracefs (mounted if needed). */
    public static TracePipe open() {
        Path pipe = Tracefs.root().resolve("trace_pipe");
        try {
            return new TracePipe(Files.newInputStream(pipe));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open " + pipe + ": " + e.getMessage(), e);
        }
    }

    /** Every further line goes to {@code consumer} (on the reader thread) instead of the queue. */
    public TracePipe subscribe(Consumer<String> consumer) {
        this.callback = consumer;
        return this;
    }

    /** The next line, waiting at most {@code timeoutMillis}; null when none came. */
    public String poll(long timeoutMillis) throws InterruptedException {
        return queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Waits up to {@code timeoutMillis} for a line containing {@code text}; null when none came. */
    public String await(String text, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (long left = timeoutMillis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
            String line = poll(left);
            if (line != null && line.contains(text)) {
                return line;
            }
        }
        return null;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null && !closed; line = r.readLine()) {
                Consumer<String> c = callback;
                if (c != null) {
                    c.accept(line);
                } else if (!queue.offer(line)) {
                    queue.poll();
                    queue.offer(line);
                }
            }
        } catch (IOException e) {
            if (!closed) {
                queue.offer("ebpf4j: reading trace_pipe failed: " + e.getMessage());
            }
        }
    }

    /**
     * Stops reading. The reader thread may be blocked in read() until the kernel writes another line; it is a
     * daemon and exits then, without delivering further lines.
     */
    @Override
    public void close() {
        closed = true;
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a pipe being read; nothing to report
        }
        reader.interrupt();
    }
}
