package dev.ebpf4j.vm.helpers;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Where {@code bpf_trace_printk} output goes: the VM's trace pipe. Subscribers get every event as it is
 * written (on the program's thread); the most recent {@link #capacity()} events are also kept for
 * {@link #events()} and {@link #drain()}.
 */
public final class TraceLog {
    private final List<Consumer<TraceEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<TraceEvent> recent = new ArrayDeque<>();
    private final int capacity;

    public TraceLog() {
        this(4096);
    }

    public TraceLog(int capacity) {
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    public void subscribe(Consumer<TraceEvent> subscriber) {
        subscribers.add(subscriber);
    }

    public void unsubscribe(Consumer<TraceEvent> subscriber) {
        subscribers.remove(subscriber);
    }

    /** Records an event and hands it to the subscribers. */
    public void write(TraceEvent event) {
        synchronized (recent) {
            if (recent.size() == capacity) {
                recent.removeFirst();
            }
            recent.addLast(event);
        }
        for (Consumer<TraceEvent> s : subscribers) {
            s.accept(event);
        }
    }

    /** The kept events, oldest first. */
    public List<TraceEvent> events() {
        synchronized (recent) {
            return new ArrayList<>(recent);
        }
    }

    /** The kept messages, oldest first. */
    public List<String> messages() {
        return events().stream().map(TraceEvent::message).toList();
    }

    /** The kept events, removing them. */
    public List<TraceEvent> drain() {
        synchronized (recent) {
            List<TraceEvent> out = new ArrayList<>(recent);
            recent.clear();
            return out;
        }
    }

    public void clear() {
        synchronized (recent) {
            recent.clear();
        }
    }
}
