package dev.ebpf4j.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.link.Link;

/**
 * Counts system calls by number with {@code count_syscalls}, a raw tracepoint program on {@code sys_enter}: the
 * program's section ({@code raw_tp/sys_enter}) says where it goes, so {@code attach()} needs no argument. The counts
 * are read from the {@code syscall_counts} array map (key: syscall number, value: a u64 count), the total from the
 * {@code .bss} variable {@code total_calls}.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp examples-java/target/classes:cli/target/ebpf4j.jar \
 *     dev.ebpf4j.examples.SyscallCounter [SECONDS] [examples/syscall_counter.bpf.o]
 * </pre>
 */
public final class SyscallCounter {
    private SyscallCounter() {}

    /** The calls counted while {@code work} ran: by syscall number (only those seen), and their total. */
    public record Counts(Map<Integer, Long> bySyscall, long total) {
    }

    public static Counts count(Path object, Runnable work) {
        try (BpfObject obj = BpfObject.open(object).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL))) {
            try (Link link = obj.program("count_syscalls").attach()) {   // raw_tp/sys_enter, from the section
                work.run();
            }   // detached: the counts stop moving
            BpfMap counts = obj.map("syscall_counts");
            Map<Integer, Long> bySyscall = new TreeMap<>();
            for (int id = 0; id < counts.spec().maxEntries(); id++) {
                byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(id).array();
                long n = ByteBuffer.wrap(counts.lookup(key).orElseThrow()).order(ByteOrder.nativeOrder()).getLong();
                if (n != 0) {
                    bySyscall.put(id, n);
                }
            }
            return new Counts(bySyscall, obj.globals(".bss").getLong("total_calls"));
        }
    }

    public static void main(String[] args) {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        Path object = Path.of(args.length > 1 ? args[1] : "examples/syscall_counter.bpf.o");
        Counts c = count(object, () -> {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        System.out.println(c.total() + " system calls in " + seconds + " s; the busiest (number: calls):");
        c.bySyscall().entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed()).limit(10)
                .forEach(e -> System.out.printf("%5d: %d%n", e.getKey(), e.getValue()));
    }
}
