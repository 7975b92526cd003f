package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfCommand;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_link_info;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.ObjectKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j link}: the kernel's BPF links, as bpftool 7.1's {@code link} shows, pins and detaches them
 * ({@code LINK := id LINK_ID | pinned FILE}). Shown as bpftool 7.1 does: the common header (id, type, program) and,
 * for raw tracepoints, the tracepoint; link types newer than bpftool 7.1 knows (netfilter, tcx, ...) print as
 * {@code type N}. Pinned paths ({@code -f}) and pids follow, as for programs and maps.
 */
@Command(name = "link", mixinStandardHelpOptions = true, description = "Inspect, pin and detach BPF links.",
        subcommands = {LinkCommand.Show.class, LinkCommand.Pin.class, LinkCommand.Detach.class},
        footer = {"", "Examples:", "  ebpf4j link", "  ebpf4j link show id 7", "  ebpf4j -j link list",
                "  ebpf4j link pin id 7 /sys/fs/bpf/mylink", "  ebpf4j link detach pinned /sys/fs/bpf/mylink"})
final class LinkCommand implements Runnable {
    static final String LINK = "id LINK_ID | pinned FILE";
    /** bpftool 7.1's link type names (libbpf 1.1): up to struct_ops. */
    private static final String[] TYPES = {"unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp",
        "perf_event", "kprobe_multi", "struct_ops"};
    private static final int BPF_LINK_TYPE_RAW_TRACEPOINT = 1;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    /** As bpftool: no command lists every link. */
    @Override
    public void run() {
        Show.print(main, spec, List.of());
    }

    /** What bpftool 7.1 shows of a link. */
    record Shown(int id, int type, int progId, String tpName) {
        String text(Refs refs) {
            StringBuilder sb = new StringBuilder();
            sb.append(Integer.toUnsignedString(id)).append(": ");
            sb.append(type >= 0 && type < TYPES.length ? TYPES[type] + "  " : "type " + Integer.toUnsignedString(type) + "  ");
            sb.append("prog ").append(Integer.toUnsignedString(progId)).append("  ");
            if (tpName != null) {
                sb.append("\n\ttp '").append(tpName).append("'  ");
            }
            refs.appendPinned(sb, id);
            refs.appendPids(sb, id);
            return sb.append('\n').toString();
        }

        ObjectNode json(Refs refs) {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("id", Integer.toUnsignedLong(id));
            if (type >= 0 && type < TYPES.length) {
                n.put("type", TYPES[type]);
            } else {
                n.put("type", Integer.toUnsignedLong(type));
            }
            n.put("prog_id", Integer.toUnsignedLong(progId));
            if (tpName != null) {
                n.put("tp_name", tpName);
            }
            refs.putJson(n, id);
            return n;
        }
    }

    /** The link's information through {@code fd}. */
    static Shown describe(Fd fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = Bpf.linkInfo(fd, a);
            int type = bpf_link_info.type(info);
            String tp = null;
            if (type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
                MemorySegment name = a.allocate(256);
                info.fill((byte) 0);
                MemorySegment rt = bpf_link_info.raw_tracepoint(info);
                bpf_link_info.raw_tracepoint.tp_name(rt, name.address());
                bpf_link_info.raw_tracepoint.tp_name_len(rt, (int) name.byteSize());
                Bpf.objGetInfoByFd(fd, info);
                tp = Bpf.cString(name);
            }
            return new Shown(bpf_link_info.id(info), bpf_link_info.type(info), bpf_link_info.prog_id(info), tp);
        }
    }

    /** An fd for the link a handle at {@code args[at..at+1]} names, with bpftool's errors. */
    static Fd open(List<String> args, int at, CommandLine cl) {
        if (args.size() < at + 2) {
            throw new ParameterException(cl, "expected LINK: " + LINK);
        }
        String word = args.get(at);
        String arg = args.get(at + 1);
        if (Handles.isPrefix(word, "id")) {
            long id = Handles.parseUnsigned(arg, 0);
            if (id < 0 || id > 0xffff_ffffL) {
                throw new Handles.Failure("can't parse " + arg + " as ID");
            }
            try {
                return Bpf.linkGetFdById((int) id);
            } catch (BpfException e) {
                throw new Handles.Failure("failed to get link with ID " + id + ": " + Errno.describe(e.errno()));
            }
        }
        if (Handles.isPrefix(word, "pinned")) {
            try {
                return Bpf.objGet(arg);
            } catch (BpfException e) {
                throw new Handles.Failure("bpf obj get (" + arg + "): " + Errno.describe(e.errno()));
            }
        }
        throw new Handles.Failure("expected 'id' or 'pinned', got: '" + word + "'?");
    }

    @Command(name = "show", aliases = "list", mixinStandardHelpOptions = true,
            description = "Show every link, or the one LINK names (id LINK_ID | pinned FILE).",
            footer = {"", "Examples:", "  ebpf4j link list", "  ebpf4j -j link show id 7"})
    static final class Show implements Callable<Integer> {
        @ParentCommand
        LinkCommand link;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..2", paramLabel = "LINK", description = LINK)
        List<String> handle = List.of();

        @Override
        public Integer call() {
            if (handle.size() == 1) {
                throw new ParameterException(spec.commandLine(), "expected LINK: " + LINK);
            }
            print(link.main, spec, handle);
            return 0;
        }

        static void print(Main main, CommandSpec spec, List<String> handle) {
            List<Shown> links = new ArrayList<>();
            if (handle.isEmpty()) {
                OptionalInt next = Bpf.linkGetNextId(0);
                while (next.isPresent()) {
                    try (Fd fd = Bpf.linkGetFdById(next.getAsInt())) {
                        links.add(describe(fd));
                    } catch (BpfException e) {
                        if (!e.is(Errno.ENOENT)) { // gone meanwhile
                            throw e;
                        }
                    }
                    next = Bpf.linkGetNextId(next.getAsInt());
                }
            } else {
                try (Fd fd = open(handle, 0, spec.commandLine())) {
                    links.add(describe(fd));
                }
            }
            Output output = main.output();
            Refs refs = Refs.of(new Inspector(), ObjectKind.LINK, main.bpffs, links);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                if (!handle.isEmpty()) {
                    output.printBpftool(out, links.getFirst().json(refs));
                } else {
                    ArrayNode all = JsonNodeFactory.instance.arrayNode();
                    links.forEach(l -> all.add(l.json(refs)));
                    output.printBpftool(out, all);
                }
            } else {
                links.forEach(l -> out.print(l.text(refs)));
            }
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pin a link at FILE in bpffs.",
            footer = {"", "Example:", "  ebpf4j link pin id 7 /sys/fs/bpf/mylink"})
    static final class Pin implements Callable<Integer> {
        @ParentCommand
        LinkCommand link;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "3", paramLabel = "LINK FILE")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            try (Fd fd = open(args, 0, spec.commandLine())) {
                Bpf.objPin(fd, Path.of(args.get(2)).toAbsolutePath().toString());
            } catch (BpfException e) {
                throw new Handles.Failure("can't pin the object (" + args.get(2) + "): " + Errno.describe(e.errno()));
            }
            done(link.main, spec);
            return 0;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true,
            description = "Detach a link (BPF_LINK_DETACH): its program leaves the hook, the link stays as a defunct"
                    + " object until its last reference goes.",
            footer = {"", "Example:", "  ebpf4j link detach pinned /sys/fs/bpf/mylink"})
    static final class Detach implements Callable<Integer> {
        @ParentCommand
        LinkCommand link;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2", paramLabel = "LINK")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            try (Fd fd = open(args, 0, spec.commandLine()); Arena a = Arena.ofConfined()) {
                MemorySegment attr = Bpf.newAttr(a);
                bpf_attr.link_detach.link_fd(bpf_attr.link_detach(attr), fd.raw());
                Bpf.call(BpfCommand.LINK_DETACH, attr);
            } catch (BpfException e) {
                throw new Handles.Failure("failed link detach: " + Errno.describe(e.errno()));
            }
            done(link.main, spec);
            return 0;
        }
    }

    /** bpftool prints nothing on success, or {@code null} with -j. */
    private static void done(Main main, CommandSpec spec) {
        Output output = main.output();
        if (output.json()) {
            output.printBpftool(spec.commandLine().getOut(), NullNode.instance);
        }
    }
}
