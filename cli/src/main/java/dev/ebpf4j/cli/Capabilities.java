package dev.ebpf4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's effective capabilities, from {@code CapEff} in {@code /proc/self/status}. */
record Capabilities(long mask) {
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;

    static Capabilities effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new Capabilities(Long.parseUnsignedLong(line.substring(7).strip(), 16));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs: no capabilities known
        }
        return new Capabilities(0);
    }

    boolean has(int capability) {
        return (mask & (1L << capability)) != 0;
    }
}
