package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.RuntimeChoice;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.HelperFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j feature}: what the running kernel supports, in the sections and words of {@code bpftool feature
 * probe} (system configuration, system calls, program types, map types, helpers, miscellaneous features), plus what
 * ebpf4j itself looks at (capabilities, kernel BTF, the kprobe PMU, BTF kinds, bpf_link) and which runtime it would
 * pick for the bundled hello and why. {@code -j} prints bpftool's JSON keys plus an {@code "ebpf4j"} object.
 */
@Command(name = "feature", aliases = "features", mixinStandardHelpOptions = true,
        description = {"Probe what the kernel supports (as 'bpftool feature probe' prints it) and say which runtime"
                + " ebpf4j picks for the bundled hello.bpf.o, and why.",
                "Each probe loads a two-instruction program, creates a one-entry map or loads a tiny BTF blob and"
                        + " closes it at once; nothing is attached."},
        footer = {"", "Examples:", "  ebpf4j feature", "  ebpf4j feature --no-helpers", "  ebpf4j -p feature"})
final class FeatureCommand implements Callable<Integer> {
    /** The program types whose helpers are probed: the ones the examples use. */
    static final List<ProgramType> HELPER_TYPES = List.of(ProgramType.SOCKET_FILTER, ProgramType.KPROBE,
            ProgramType.SCHED_CLS, ProgramType.TRACEPOINT, ProgramType.XDP, ProgramType.RAW_TRACEPOINT);

    static final List<String> SYSCTLS = List.of("unprivileged_bpf_disabled", "bpf_jit_enable", "bpf_jit_harden",
            "bpf_jit_kallsyms", "bpf_jit_limit");

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-helpers", description = "Skip the helper scan (about a thousand tiny loads).")
    boolean noHelpers;

    /** Everything probed, in order, ready for text or JSON. */
    record Report(Map<String, Long> sysctls, Map<String, Boolean> capabilities, boolean vmlinuxBtf, boolean kprobePmu,
                  String kernelRelease, String bpfUnavailable, Map<String, Boolean> programTypes,
                  Map<String, Boolean> mapTypes, Map<String, List<String>> helpers, Map<String, Boolean> misc,
                  Map<String, Boolean> btfKinds, RuntimeChoice hello, String demoRuntime, String demoReason) {
    }

    @Override
    public Integer call() {
        Report r = probe(!noHelpers, main.runtime());
        PrintWriter out = spec.commandLine().getOut();
        Output output = main.output();
        if (output.json()) {
            output.printBpftool(out, json(r, output));
        } else {
            out.print(text(r));
        }
        out.flush();
        return 0;
    }

    static Report probe(boolean helpers, RuntimeKind asked) {
        Map<String, Long> sysctls = new LinkedHashMap<>();
        for (String name : SYSCTLS) {
            Path p = Path.of(name.equals("unprivileged_bpf_disabled") ? "/proc/sys/kernel" : "/proc/sys/net/core", name);
            // one read: sysctl files return nothing to a read at a non-zero offset
            try (java.io.InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[64];
                int n = in.read(buf);
                sysctls.put(name, Long.parseLong(new String(buf, 0, Math.max(0, n), java.nio.charset.StandardCharsets.US_ASCII).strip()));
            } catch (IOException | RuntimeException e) {
                sysctls.put(name, null);
            }
        }
        Capabilities caps = Capabilities.effective();
        Map<String, Boolean> capabilities = new LinkedHashMap<>();
        capabilities.put("CAP_BPF", caps.has(Capabilities.CAP_BPF));
        capabilities.put("CAP_SYS_ADMIN", caps.has(Capabilities.CAP_SYS_ADMIN));
        capabilities.put("CAP_PERFMON", caps.has(Capabilities.CAP_PERFMON));
        capabilities.put("CAP_NET_ADMIN", caps.has(Capabilities.CAP_NET_ADMIN));
        boolean vmlinux = Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"));
        boolean kprobePmu = Files.exists(Path.of("/sys/bus/event_source/devices/kprobe/type"));
        String bpfUnavailable = FeatureProbes.bpfUnavailable();

        Map<String, Boolean> programTypes = new LinkedHashMap<>();
        Map<String, Boolean> mapTypes = new LinkedHashMap<>();
        Map<String, List<String>> helperLists = new LinkedHashMap<>();
        Map<String, Boolean> misc = new LinkedHashMap<>();
        Map<String, Boolean> btfKinds = new LinkedHashMap<>();
        if (bpfUnavailable == null) {
            for (ProgramType t : ProgramType.values()) {
                if (t != ProgramType.UNSPEC) {
                    programTypes.put(t.bpftoolName(), FeatureProbes.programType(t));
                }
            }
            for (MapType t : MapType.values()) {
                if (t != MapType.UNSPEC) {
                    mapTypes.put(t.bpftoolName(), FeatureProbes.mapType(t));
                }
            }
            if (helpers) {
                for (ProgramType t : HELPER_TYPES) {
                    List<String> names = new ArrayList<>();
                    if (Boolean.TRUE.equals(programTypes.get(t.bpftoolName()))) {
                        for (int id = 1; id < HelperFunctions.count(); id++) {
                            String name = HelperFunctions.name(id).orElse(null);
                            if (name != null && FeatureProbes.helper(t, id)) {
                                names.add(name);
                            }
                        }
                    }
                    helperLists.put(t.bpftoolName(), names);
                }
            }
            misc.put("have_large_insn_limit", FeatureProbes.largeInsnLimit());
            misc.put("have_bounded_loops", FeatureProbes.boundedLoops());
            misc.put("have_v2_isa_extension", FeatureProbes.isaV2());
            misc.put("have_v3_isa_extension", FeatureProbes.isaV3());
            misc.put("have_bpf_link", FeatureProbes.bpfLink());
            btfKinds.putAll(FeatureProbes.btfKinds());
        }

        BpfObject hello = BpfObject.open(DemoCommand.bundled(), DemoCommand.BUNDLED);
        RuntimeChoice choice;
        try {
            choice = hello.choose(asked);
        } catch (RuntimeException e) {
            choice = null;
        }
        String demoRuntime;
        String demoReason;
        if (choice == null) {
            demoRuntime = "none";
            demoReason = Main.describe(safeChoose(hello, asked));
        } else if (choice.kind() == RuntimeKind.KERNEL) {
            String net = DemoNetwork.unavailableReason().orElse(null);
            demoRuntime = net == null ? "kernel" : asked == RuntimeKind.KERNEL ? "none" : "fallback";
            demoReason = net == null ? "a network namespace and veth pair of its own, pinged through" : net;
        } else {
            demoRuntime = "fallback";
            demoReason = choice.reason();
        }
        return new Report(sysctls, capabilities, vmlinux, kprobePmu, System.getProperty("os.version"), bpfUnavailable,
                programTypes, mapTypes, helperLists, misc, btfKinds, choice, demoRuntime, demoReason);
    }

    private static RuntimeException safeChoose(BpfObject obj, RuntimeKind asked) {
        try {
            obj.choose(asked);
            return new IllegalStateException("no runtime");
        } catch (RuntimeException e) {
            return e;
        }
    }

    static String text(Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append("Scanning system configuration...\n");
        Long unpriv = r.sysctls().get("unprivileged_bpf_disabled");
        sb.append(unpriv == null ? "Unable to retrieve required privileges for bpf() syscall\n" : switch (unpriv.intValue()) {
            case 0 -> "bpf() syscall for unprivileged users is enabled\n";
            case 1 -> "bpf() syscall restricted to privileged users (without recovery)\n";
            case 2 -> "bpf() syscall restricted to privileged users (admin can change)\n";
            default -> "bpf() syscall restriction has unknown value " + unpriv + "\n";
        });
        Long jit = r.sysctls().get("bpf_jit_enable");
        sb.append(jit == null ? "Unable to retrieve JIT-compiler status\n" : switch (jit.intValue()) {
            case 0 -> "JIT compiler is disabled\n";
            case 1 -> "JIT compiler is enabled\n";
            case 2 -> "JIT compiler is enabled with debugging traces in kernel logs\n";
            default -> "JIT-compiler status has unknown value " + jit + "\n";
        });
        Long harden = r.sysctls().get("bpf_jit_harden");
        sb.append(harden == null ? "Unable to retrieve JIT hardening status\n" : switch (harden.intValue()) {
            case 0 -> "JIT compiler hardening is disabled\n";
            case 1 -> "JIT compiler hardening is enabled for unprivileged users\n";
            case 2 -> "JIT compiler hardening is enabled for all users\n";
            default -> "JIT hardening status has unknown value " + harden + "\n";
        });
        Long kallsyms = r.sysctls().get("bpf_jit_kallsyms");
        sb.append(kallsyms == null ? "Unable to retrieve JIT kallsyms export status\n" : switch (kallsyms.intValue()) {
            case 0 -> "JIT compiler kallsyms exports are disabled\n";
            case 1 -> "JIT compiler kallsyms exports are enabled for root\n";
            default -> "JIT kallsyms exports status has unknown value " + kallsyms + "\n";
        });
        Long limit = r.sysctls().get("bpf_jit_limit");
        sb.append(limit == null ? "Unable to retrieve global memory limit for JIT compiler for unprivileged users\n"
                : "Global memory limit for JIT compiler for unprivileged users is " + limit + " bytes\n");
        sb.append("Kernel release is ").append(r.kernelRelease()).append('\n');
        r.capabilities().forEach((cap, on) -> sb.append(cap).append(on ? " is present" : " is NOT present").append('\n'));
        sb.append("vmlinux BTF (/sys/kernel/btf/vmlinux) is ").append(r.vmlinuxBtf() ? "available" : "NOT available").append('\n');
        sb.append("kprobe PMU (/sys/bus/event_source/devices/kprobe) is ").append(r.kprobePmu() ? "available" : "NOT available").append('\n');
        sb.append('\n');

        sb.append("Scanning system call availability...\n");
        sb.append(r.bpfUnavailable() == null ? "bpf() syscall is available\n"
                : "bpf() syscall is NOT available (" + r.bpfUnavailable() + ")\n");
        sb.append('\n');
        if (r.bpfUnavailable() == null) {
            sb.append("Scanning eBPF program types...\n");
            r.programTypes().forEach((t, on) -> sb.append("eBPF program_type ").append(t).append(available(on)));
            sb.append('\n');
            sb.append("Scanning eBPF map types...\n");
            r.mapTypes().forEach((t, on) -> sb.append("eBPF map_type ").append(t).append(available(on)));
            sb.append('\n');
            if (!r.helpers().isEmpty()) {
                sb.append("Scanning eBPF helper functions...\n");
                r.helpers().forEach((t, names) -> {
                    sb.append("eBPF helpers supported for program type ").append(t).append(':');
                    if (names.isEmpty()) {
                        sb.append(" (none)");
                    }
                    sb.append('\n');
                    names.forEach(n -> sb.append("\t- ").append(n).append('\n'));
                });
                sb.append('\n');
            }
            sb.append("Scanning miscellaneous eBPF features...\n");
            sb.append("Large program size limit").append(available(r.misc().get("have_large_insn_limit")));
            sb.append("Bounded loop support").append(available(r.misc().get("have_bounded_loops")));
            sb.append("ISA extension v2").append(available(r.misc().get("have_v2_isa_extension")));
            sb.append("ISA extension v3").append(available(r.misc().get("have_v3_isa_extension")));
            sb.append("bpf_link (BPF_LINK_CREATE)").append(available(r.misc().get("have_bpf_link")));
            sb.append('\n');
            sb.append("Scanning BTF kinds...\n");
            r.btfKinds().forEach((k, on) -> sb.append("BTF kind ").append(k).append(available(on)));
            sb.append('\n');
        }
        sb.append("Scanning ebpf4j runtimes...\n");
        if (r.hello() != null) {
            sb.append("ebpf4j runs ").append(DemoCommand.BUNDLED).append(" in the ")
                    .append(r.hello().kind() == RuntimeKind.KERNEL ? "kernel" : "fallback VM")
                    .append(" (").append(r.hello().reason()).append(")\n");
        }
        sb.append("ebpf4j demo runs ").append(switch (r.demoRuntime()) {
            case "kernel" -> "in the kernel";
            case "fallback" -> "in the fallback VM";
            default -> "nowhere";
        }).append(" (").append(r.demoReason()).append(")\n");
        return sb.toString();
    }

    private static String available(Boolean on) {
        return Boolean.TRUE.equals(on) ? " is available\n" : " is NOT available\n";
    }

    static ObjectNode json(Report r, Output output) {
        ObjectNode root = output.object();
        ObjectNode sys = root.putObject("system_config");
        r.sysctls().forEach((k, v) -> {
            if (v == null) {
                sys.putNull(k);
            } else {
                sys.put(k, v);
            }
        });
        root.putObject("syscall_config").put("have_bpf_syscall", r.bpfUnavailable() == null);
        ObjectNode progs = root.putObject("program_types");
        r.programTypes().forEach((t, on) -> progs.put("have_" + t + "_prog_type", on));
        ObjectNode maps = root.putObject("map_types");
        r.mapTypes().forEach((t, on) -> maps.put("have_" + t + "_map_type", on));
        ObjectNode helpers = root.putObject("helpers");
        r.helpers().forEach((t, names) -> {
            ArrayNode a = helpers.putArray(t + "_available_helpers");
            names.forEach(a::add);
        });
        ObjectNode misc = root.putObject("misc");
        r.misc().forEach(misc::put);
        ObjectNode e = root.putObject("ebpf4j");
        e.put("kernel_release", r.kernelRelease());
        if (r.bpfUnavailable() != null) {
            e.put("bpf_unavailable", r.bpfUnavailable());
        }
        ObjectNode caps = e.putObject("capabilities");
        r.capabilities().forEach(caps::put);
        e.put("vmlinux_btf", r.vmlinuxBtf());
        e.put("kprobe_pmu", r.kprobePmu());
        ObjectNode kinds = e.putObject("btf_kinds");
        r.btfKinds().forEach(kinds::put);
        ObjectNode hello = e.putObject("hello");
        hello.put("object", DemoCommand.BUNDLED);
        if (r.hello() != null) {
            hello.put("runtime", r.hello().kind().name().toLowerCase(java.util.Locale.ROOT));
            hello.put("reason", r.hello().reason());
        }
        ObjectNode demo = e.putObject("demo");
        demo.put("runtime", r.demoRuntime());
        demo.put("reason", r.demoReason());
        return root;
    }
}
