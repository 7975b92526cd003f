package dev.ebpf4j.loader.tracefs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.SyscallException;

/**
 * Finds tracefs ({@code /sys/kernel/tracing}, or {@code tracing/} under debugfs) and mounts it at
 * {@code /sys/kernel/tracing} when it is nowhere, as bpftool and libbpf users expect it to be there.
 */
public final class Tracefs {
    private static final Logger LOG = LoggerFactory.getLogger(Tracefs.class);
    public static final Path DEFAULT = Path.of("/sys/kernel/tracing");
    private static final Path DEBUGFS_TRACING = Path.of("/sys/kernel/debug/tracing");
    private static final Path KPROBE_PMU = Path.of("/sys/bus/event_source/devices/kprobe");

    private static volatile Path root;

    private Tracefs() {}

    /** Where tracefs is mounted, mounting it at {@link #DEFAULT} if it is not mounted anywhere. */
    public static synchronized Path root() {
        Path r = root;
        if (r != null && Files.isDirectory(r.resolve("events"))) {
            return r;
        }
        for (Path p : List.of(DEFAULT, DEBUGFS_TRACING)) {
            if (Files.isDirectory(p.resolve("events"))) {
                root = p;
                return p;
            }
        }
        try {
            Syscall.mount("nodev", DEFAULT.toString(), "tracefs");
        } catch (SyscallException e) {
            throw new IllegalStateException("tracefs is not mounted and mounting it at " + DEFAULT + " failed ("
                    + e.getMessage() + "); mount it with: mount -t tracefs nodev " + DEFAULT, e);
        }
        LOG.info("ebpf4j: mounted tracefs at {}", DEFAULT);
        root = DEFAULT;
        return DEFAULT;
    }

    /** The id of tracepoint {@code category/name}. */
    public static int tracepointId(String category, String name) {
        if (category.isEmpty() || name.isEmpty() || category.contains("/") || category.contains("..")
                || name.contains("/") || name.contains("..")) {
            throw new IllegalArgumentException("not a tracepoint: " + category + "/" + name);
        }
        Path id = root().resolve("events").resolve(category).resolve(name).resolve("id");
        if (!Files.exists(id)) {
            throw new IllegalArgumentException("no tracepoint " + category + "/" + name + " (" + id + " does not exist)");
        }
        return readInt(id, "tracepoint " + category + "/" + name + " id");
    }

    /** True when the kernel has the kprobe PMU ({@code perf_event_open} of kprobes). */
    public static boolean hasKprobePmu() {
        return Files.exists(KPROBE_PMU.resolve("type"));
    }

    /** The kprobe PMU's type number, or a clear error when this kernel has no kprobes. */
    public static int kprobePmuType() {
        if (!hasKprobePmu()) {
            throw new UnsupportedOperationException("this kernel has no kprobe support: " + KPROBE_PMU
                    + " does not exist (a kernel built without CONFIG_KPROBES or CONFIG_KPROBE_EVENTS)");
        }
        return readInt(KPROBE_PMU.resolve("type"), "the kprobe PMU type");
    }

    /** The bit of {@code config} that makes a kprobe a kretprobe ({@code config:N} in the PMU's format). */
    public static int kretprobeBit() {
        Path format = KPROBE_PMU.resolve("format/retprobe");
        try {
            String s = Files.readString(format).trim();
            return Integer.parseInt(s.substring(s.indexOf(':') + 1));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + format + ": " + e.getMessage(), e);
        }
    }

    static int readInt(Path path, String what) {
        try {
            return Integer.parseInt(Files.readString(path).trim());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read " + what + " from " + path + ": " + e.getMessage(), e);
        }
    }
}
