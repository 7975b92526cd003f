package dev.ebpf4j.loader.inspect;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ebpf4j.bindings.Fd;

/** What bpftool reads besides bpf(2): fdinfo lines, the boot clock, possible CPUs and kernel symbols. */
final class Procfs {
    private Procfs() {}

    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_BOOTTIME = 7;
    private static final MethodHandle CLOCK_GETTIME;

    static {
        Linker linker = Linker.nativeLinker();
        CLOCK_GETTIME = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /**
     * The value of the first line of {@code /proc/self/fdinfo/<fd>} that contains {@code key}, as bpftool's
     * {@code get_fdinfo} finds it (a substring match, the text after the tab).
     */
    static Optional<String> fdinfo(Fd fd, String key) {
        return fdinfo(fdinfoLines(fd), key);
    }

    static List<String> fdinfoLines(Fd fd) {
        try {
            return Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.raw()));
        } catch (IOException e) {
            return List.of();
        }
    }

    static Optional<String> fdinfo(List<String> lines, String key) {
        for (String line : lines) {
            if (line.contains(key)) {
                int tab = line.indexOf('\t');
                if (tab < 0 || tab == line.length() - 1) {
                    return Optional.empty();
                }
                return Optional.of(line.substring(tab + 1));
            }
        }
        return Optional.empty();
    }

    /** Seconds and nanoseconds of {@code clock_gettime(clock)}. */
    static long[] clock(int clock) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8);
            int rc = (int) CLOCK_GETTIME.invokeExact(clock, ts);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(" + clock + ") failed");
            }
            return new long[] {ts.get(JAVA_LONG, 0), ts.get(JAVA_LONG, 8)};
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Wall-clock time of a {@code CLOCK_BOOTTIME} instant in nanoseconds (a program's {@code load_time}), computed as
     * bpftool's {@code print_boot_time} does: whole seconds, from the current difference of the two clocks.
     */
    static Instant bootTimeToWallClock(long bootNanos) {
        long[] real = clock(CLOCK_REALTIME);
        long[] boot = clock(CLOCK_BOOTTIME);
        long seconds = (real[0] - boot[0]) + (real[1] - boot[1] + bootNanos) / 1_000_000_000L;
        return Instant.ofEpochSecond(seconds);
    }

    /** Number of possible CPUs (per-CPU map values have one slot each), from /sys/devices/system/cpu/possible. */
    static int possibleCpus() {
        try {
            return parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/possible")).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The number of CPUs in a kernel CPU list such as {@code 0-3,5} (what the kernel's num_possible_cpus() counts). */
    static int parseCpuList(String list) {
        int count = 0;
        for (String part : list.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
            int hi = Integer.parseInt(dash < 0 ? p : p.substring(dash + 1));
            if (hi < lo) {
                throw new IllegalArgumentException("bad CPU range '" + p + "'");
            }
            count += hi - lo + 1;
        }
        if (count == 0) {
            throw new IllegalArgumentException("no CPUs in '" + list + "'");
        }
        return count;
    }

    /** /proc/kallsyms: address to the first symbol listed at it (empty when unreadable). */
    static Map<Long, String> kallsyms() {
        Map<Long, String> out = new HashMap<>();
        try (var lines = Files.lines(Path.of("/proc/kallsyms"))) {
            lines.forEach(line -> {
                int a = line.indexOf(' ');
                int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
                if (b < 0) {
                    return;
                }
                int end = line.indexOf('\t', b + 1);
                String name = end < 0 ? line.substring(b + 1) : line.substring(b + 1, end);
                out.putIfAbsent(Long.parseUnsignedLong(line.substring(0, a), 16), name.strip());
            });
        } catch (IOException | UncheckedIOException e) {
            return Map.of();
        }
        return out;
    }
}
