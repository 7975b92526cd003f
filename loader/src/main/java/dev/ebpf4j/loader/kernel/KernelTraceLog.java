package dev.ebpf4j.loader.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.loader.tracefs.TraceLine;
import dev.ebpf4j.loader.tracefs.TracePipe;

/**
 * The kernel runtime's {@link TraceLog}: the trace pipe, read from the first use on (the pipe hands each line to one
 * reader, and holds only what was written since). Keeps the most recent {@value #KEEP} lines.
 */
final class KernelTraceLog implements TraceLog, AutoCloseable {
    static final int KEEP = 4096;

    private final TracePipe pipe;
    private final Deque<Line> kept = new ArrayDeque<>();
    private final List<Consumer<Line>> listeners = new CopyOnWriteArrayList<>();

    KernelTraceLog() {
        this.pipe = TracePipe.open().subscribe(this::accept);
    }

    private void accept(String raw) {
        Line line = TraceLine.parse(raw)
                .map(t -> new Line((long) (t.timestamp() * 1e9), t.cpu(), t.pid(), t.task(), null, t.message(), raw))
                .orElse(new Line(0, -1, 0, "", null, raw, raw));
        synchronized (kept) {
            kept.addLast(line);
            if (kept.size() > KEEP) {
                kept.removeFirst();
            }
        }
        for (Consumer<Line> l : listeners) {
            l.accept(line);
        }
    }

    @Override
    public List<Line> lines() {
        synchronized (kept) {
            return new ArrayList<>(kept);
        }
    }

    @Override
    public List<Line> drain() {
        synchronized (kept) {
            List<Line> out = new ArrayList<>(kept);
            kept.clear();
            return out;
        }
    }

    /** Listeners are called on the pipe's reader thread. */
    @Override
    public Subscription subscribe(Consumer<Line> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        pipe.close();
    }
}
