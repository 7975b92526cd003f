package dev.ebpf4j.loader.inspect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;

/** What bpftool reads besides bpf(2): fdinfo lines, the boot clock, possible CPUs and kernel symbols. */
final class Procfs {
    private Procfs() {}

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

    /**
     * Wall-clock time of a {@code CLOCK_BOOTTIME} instant in nanoseconds (a program's {@code load_time}), computed as
     * bpftool's {@code print_boot_time} does: whole seconds, from the current difference of the two clocks.
     */
    static Instant bootTimeToWallClock(long bootNanos) {
        long real = Syscall.clockGettime(Syscall.CLOCK_REALTIME);
        long boot = Syscall.clockGettime(Syscall.CLOCK_BOOTTIME);
        long seconds = Math.floorDiv(real - boot + bootNanos, 1_000_000_000L);
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
