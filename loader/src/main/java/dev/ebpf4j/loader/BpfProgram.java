package dev.ebpf4j.loader;

import java.nio.file.Path;

import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;

/** A program loaded from an object, in the kernel or in the fallback VM. */
public interface BpfProgram extends AutoCloseable {

    default String name() {
        return spec().name();
    }

    ProgramSpec spec();

    default ProgramType type() {
        return spec().type();
    }

    /** The program tag, as {@code bpftool prog show} prints it. */
    String tag();

    /** Runs the program once or {@code repeat} times on the given input. */
    TestRun.Result testRun(TestRun.Input input);

    /** The verifier's log of the load, when {@link LoadOptions#logOnSuccess()} asked for it; else "". */
    String verifierLog();

    /**
     * Attaches this XDP program to interface {@code ifname} (a bpf_link where the kernel has one, else netlink
     * without replacing another program); closing the link detaches it.
     */
    default dev.ebpf4j.loader.link.Link attachXdp(String ifname, XdpMode mode) {
        throw new UnsupportedOperationException(name() + ": this runtime cannot attach XDP programs");
    }

    /**
     * Attaches this tc program ({@code SEC("tc")}, a classifier) to interface {@code ifname}, on its ingress or egress
     * hook: a tcx bpf_link where the kernel has tcx (6.6+), else a clsact cls_bpf filter in direct-action mode;
     * closing the link detaches it.
     */
    default dev.ebpf4j.loader.link.Link attachTc(String ifname, boolean ingress) {
        throw new UnsupportedOperationException(name() + ": this runtime cannot attach tc programs");
    }

    /** Attaches this program to tracepoint {@code category/name}. */
    default dev.ebpf4j.loader.link.Link attachTracepoint(String category, String name) {
        throw new UnsupportedOperationException(name() + ": this runtime cannot attach to tracepoints");
    }

    /** Attaches this program to raw tracepoint {@code name}. */
    default dev.ebpf4j.loader.link.Link attachRawTracepoint(String name) {
        throw new UnsupportedOperationException(name() + ": this runtime cannot attach to raw tracepoints");
    }

    /** Attaches this program to a kprobe (or kretprobe) on {@code function}. */
    default dev.ebpf4j.loader.link.Link attachKprobe(String function, boolean retprobe) {
        throw new UnsupportedOperationException(name() + ": this runtime cannot attach kprobes");
    }

    /**
     * Attaches where the program's section says, as libbpf's auto-attach does: {@code tracepoint/C/N}, {@code tp/C/N},
     * {@code raw_tp/N}, {@code raw_tracepoint/N}, {@code kprobe/F}, {@code kretprobe/F}. Other sections need a target
     * (an interface for XDP) and are refused with a message saying which call to use.
     */
    default dev.ebpf4j.loader.link.Link attach() {
        String section = spec().sectionName();
        String target = spec().attachTarget();
        String prefix = section.contains("/") ? section.substring(0, section.indexOf('/')) : section;
        return switch (prefix) {
            case "tracepoint", "tp" -> {
                int slash = target.indexOf('/');
                if (slash <= 0) {
                    throw new IllegalArgumentException(name() + ": section '" + section + "' names no category/name");
                }
                yield attachTracepoint(target.substring(0, slash), target.substring(slash + 1));
            }
            case "raw_tp", "raw_tracepoint" -> attachRawTracepoint(target);
            case "kprobe" -> attachKprobe(target, false);
            case "kretprobe" -> attachKprobe(target, true);
            default -> throw new UnsupportedOperationException(name() + ": section '" + section + "' gives no attach"
                    + " point; use " + (prefix.startsWith("xdp") ? "attachXdp(ifname, mode)" : "an explicit attach call"));
        };
    }

    /** Pins the program at {@code path} in bpffs (kernel only). */
    void pin(Path path);

    @Override
    void close();
}
