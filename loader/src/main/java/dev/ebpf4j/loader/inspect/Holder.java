package dev.ebpf4j.loader.inspect;

/**
 * A process holding a descriptor of a BPF object: bpftool's {@code pids} entry ({@code comm(pid)}).
 *
 * @param pid the process (thread group) id
 * @param comm the process's command name, from {@code /proc/PID/comm}
 */
public record Holder(int pid, String comm) {
    @Override
    public String toString() {
        return comm + "(" + pid + ")";
    }
}
