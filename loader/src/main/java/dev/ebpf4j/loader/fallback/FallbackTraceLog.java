package dev.ebpf4j.loader.fallback;

import java.util.List;
import java.util.function.Consumer;

import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.vm.helpers.TraceEvent;

/** The loader's {@link TraceLog} over a VM trace log. */
final class FallbackTraceLog implements TraceLog {
    private final dev.ebpf4j.vm.helpers.TraceLog log;

    FallbackTraceLog(dev.ebpf4j.vm.helpers.TraceLog log) {
        this.log = log;
    }

    static Line line(TraceEvent e) {
        return new Line(e.timestampNanos(), e.cpu(), e.pid(), e.comm(), e.program(), e.message(), e.traceLine());
    }

    @Override
    public List<Line> lines() {
        return log.events().stream().map(FallbackTraceLog::line).toList();
    }

    @Override
    public List<Line> drain() {
        return log.drain().stream().map(FallbackTraceLog::line).toList();
    }

    @Override
    public Subscription subscribe(Consumer<Line> listener) {
        Consumer<TraceEvent> forward = e -> listener.accept(line(e));
        log.subscribe(forward);
        return () -> log.unsubscribe(forward);
    }
}
