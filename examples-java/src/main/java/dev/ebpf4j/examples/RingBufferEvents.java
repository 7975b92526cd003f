package dev.ebpf4j.examples;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.kernel.KernelMap;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.loader.ringbuf.RingBufferReader;

/**
 * Exec events through a ring buffer: {@code on_exec} of task_info.bpf.o runs on the tracepoint
 * {@code sched/sched_process_exec}, reads the task's pid, parent and name with CO-RE (the field offsets fixed up
 * against this kernel's BTF at load) and submits a {@code struct task_event} to the {@code events} ring buffer, which
 * Java maps and reads with {@link RingBufferReader}.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp examples-java/target/classes:cli/target/ebpf4j.jar \
 *     dev.ebpf4j.examples.RingBufferEvents [SECONDS] [examples/task_info.bpf.o]
 * </pre>
 */
public final class RingBufferEvents {
    private RingBufferEvents() {}

    /** {@code struct task_event { __u32 pid, ppid, kind; char comm[16]; }} */
    public record Event(int pid, int ppid, int kind, String comm) {
        static Event parse(MemorySegment record) {
            ByteBuffer b = ByteBuffer.wrap(record.toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.nativeOrder());
            byte[] comm = new byte[16];
            b.get(12, comm);
            int n = 0;
            while (n < comm.length && comm[n] != 0) {
                n++;
            }
            return new Event(b.getInt(0), b.getInt(4), b.getInt(8), new String(comm, 0, n, StandardCharsets.UTF_8));
        }
    }

    /**
     * Runs {@code work} with on_exec attached, then collects exec events until {@code until} accepts one or
     * {@code timeout} passes; returns every event seen.
     */
    public static List<Event> watchExecs(Path object, Runnable work, Predicate<Event> until, Duration timeout) {
        List<Event> seen = new ArrayList<>();
        try (BpfObject obj = BpfObject.open(object).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL));
             // the reader maps the ring buffer; it must be closed before the map, so it is opened after the object
             RingBufferReader events = RingBufferReader.open(((KernelMap) obj.map("events")).fd(),
                     obj.map("events").spec().maxEntries());
             Link link = obj.program("on_exec").attach()) {    // tracepoint/sched/sched_process_exec
            work.run();
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                List<Event> batch = new ArrayList<>();
                events.poll(100, r -> batch.add(Event.parse(r)));   // waits (epoll) for records, then hands each over
                seen.addAll(batch);
                done = batch.stream().anyMatch(until);
            }
        }
        return seen;
    }

    public static void main(String[] args) {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
        Path object = Path.of(args.length > 1 ? args[1] : "examples/task_info.bpf.o");
        System.out.println("exec events for " + seconds + " s (run some commands):");
        for (Event e : watchExecs(object, () -> { }, e -> false, Duration.ofSeconds(seconds))) {
            System.out.printf("pid %d (parent %d) exec'd %s%n", e.pid(), e.ppid(), e.comm());
        }
    }
}
