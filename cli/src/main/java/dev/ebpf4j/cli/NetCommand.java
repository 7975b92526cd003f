package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.SyscallException;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.loader.netlink.NetlinkException;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j net}: XDP programs on network interfaces, as bpftool's {@code net} shows and changes them. */
@Command(name = "net", mixinStandardHelpOptions = true,
        description = "List, attach and detach XDP programs on network interfaces (netlink, as bpftool net).",
        subcommands = {NetCommand.ListCmd.class, NetCommand.AttachCmd.class, NetCommand.DetachCmd.class},
        footer = {"", "Examples:", "  ebpf4j net list", "  ebpf4j net attach xdpgeneric pinned /sys/fs/bpf/hello dev veth0",
                "  ebpf4j net detach xdpgeneric dev veth0"})
final class NetCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return new ListCmd().list(main, spec.commandLine().getOut(), null);
    }

    /** {@code xdp}, {@code xdpgeneric}, {@code xdpdrv}, {@code xdpoffload} to their mode flags. */
    static int modeFlags(String word, CommandSpec spec) {
        return switch (word) {
            case "xdp" -> 0;
            case "xdpgeneric" -> Rtnetlink.XDP_FLAGS_SKB_MODE;
            case "xdpdrv" -> Rtnetlink.XDP_FLAGS_DRV_MODE;
            case "xdpoffload" -> Rtnetlink.XDP_FLAGS_HW_MODE;
            default -> throw new ParameterException(spec.commandLine(), "invalid net attach/detach type: " + word
                    + " (expected xdp, xdpgeneric, xdpdrv or xdpoffload)");
        };
    }

    static int ifindex(String name) {
        try {
            return Syscall.ifNameToIndex(name);
        } catch (SyscallException e) {
            throw new Handles.Failure("invalid devname " + name);
        }
    }

    @Command(name = "list", aliases = "show", mixinStandardHelpOptions = true,
            description = "List the XDP and tc programs attached to every interface, or to one.",
            footer = {"", "Examples:", "  ebpf4j net list", "  ebpf4j -j net list dev veth0"})
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand
        NetCommand net;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..2", paramLabel = "dev IFNAME")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            String dev = null;
            if (!args.isEmpty()) {
                if (args.size() != 2 || !Handles.isPrefix(args.get(0), "dev")) {
                    throw new ParameterException(spec.commandLine(), "expected: net list [dev IFNAME]");
                }
                dev = args.get(1);
            }
            return list(net.main, spec.commandLine().getOut(), dev);
        }

        int list(Main main, PrintWriter out, String dev) {
            Integer only = dev == null ? null : ifindex(dev);
            List<Rtnetlink.Link> links;
            List<TcListing.Entry> tc = new ArrayList<>();
            try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                links = only == null ? Rtnetlink.links(nl) : List.of(Rtnetlink.link(nl, only));
                for (Rtnetlink.Link l : links) {
                    tc.addAll(TcListing.entries(nl, l));
                }
            }
            Output output = main.output();
            if (output.json()) {
                ObjectNode root = output.object();
                ArrayNode xdp = root.putArray("xdp");
                for (Rtnetlink.Link l : links) {
                    for (String[] e : entries(l)) {
                        ObjectNode n = xdp.addObject();
                        n.put("devname", l.name());
                        n.put("ifindex", l.index());
                        n.put("mode", e[0]);
                        n.put("id", Integer.parseInt(e[1]));
                    }
                }
                ArrayNode tcs = root.putArray("tc");
                tc.forEach(e -> tcs.add(e.json()));
                root.putArray("flow_dissector");
                ArrayNode wrapper = output.array();
                wrapper.add(root);
                output.printBpftool(out, wrapper);
                return 0;
            }
            out.println("xdp:");
            for (Rtnetlink.Link l : links) {
                for (String[] e : entries(l)) {
                    out.println(l.name() + "(" + l.index() + ") " + e[0] + " id " + e[1]);
                }
            }
            out.println();
            out.println("tc:");
            tc.forEach(e -> out.println(e.text()));
            out.println();
            out.println("flow_dissector:");
            out.println();
            return 0;
        }

        /** (mode, id) pairs of an interface's XDP attachments, as bpftool lists them. */
        private static List<String[]> entries(Rtnetlink.Link l) {
            Rtnetlink.XdpState x = l.xdp();
            List<String[]> out = new ArrayList<>();
            if (x.mode() == Rtnetlink.XdpMode.NONE) {
                return out;
            }
            if (x.mode() != Rtnetlink.XdpMode.MULTI) {
                out.add(new String[] {x.mode().bpftoolName(), String.valueOf(x.progId())});
                return out;
            }
            if (x.genericProgId() != 0) {
                out.add(new String[] {"generic", String.valueOf(x.genericProgId())});
            }
            if (x.driverProgId() != 0) {
                out.add(new String[] {"driver", String.valueOf(x.driverProgId())});
            }
            if (x.offloadProgId() != 0) {
                out.add(new String[] {"offload", String.valueOf(x.offloadProgId())});
            }
            return out;
        }
    }

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = {"Attach an XDP program to an interface by netlink; it stays attached after ebpf4j exits.",
                    "An attached program is never replaced unless 'overwrite' is given."},
            footer = {"", "Examples:", "  ebpf4j net attach xdpgeneric id 42 dev veth0",
                    "  ebpf4j net attach xdp pinned /sys/fs/bpf/hello dev veth0 overwrite"})
    static final class AttachCmd implements Callable<Integer> {
        @ParentCommand
        NetCommand net;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ATTACH_TYPE PROG dev IFNAME [overwrite]", arity = "5..6")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            int flags = modeFlags(args.get(0), spec);
            ProgramInfo prog = Handles.program(new Inspector(), args, 1, spec.commandLine());
            if (!Handles.isPrefix(args.get(3), "dev")) {
                throw new ParameterException(spec.commandLine(), "expected 'dev', got: '" + args.get(3) + "'");
            }
            boolean overwrite = args.size() == 6;
            if (overwrite && !args.get(5).equals("overwrite")) {
                throw new ParameterException(spec.commandLine(), "expected 'overwrite', got: '" + args.get(5) + "'");
            }
            int ifindex = ifindex(args.get(4));
            try (Fd fd = Bpf.progGetFdById(prog.id()); NetlinkSocket nl = NetlinkSocket.openRoute()) {
                Rtnetlink.attachXdp(nl, ifindex, fd.raw(), flags | (overwrite ? 0 : Rtnetlink.XDP_FLAGS_UPDATE_IF_NOEXIST), -1);
            } catch (NetlinkException e) {
                throw new Handles.Failure("interface " + args.get(0) + " attach failed: " + dev.ebpf4j.bindings.Errno.describe(e.errno())
                        + (e.kernelMessage() == null ? "" : " (" + e.kernelMessage() + ")"));
            }
            return 0;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true,
            description = "Detach the XDP program of an interface (in the mode given).",
            footer = {"", "Example:", "  ebpf4j net detach xdpgeneric dev veth0"})
    static final class DetachCmd implements Callable<Integer> {
        @ParentCommand
        NetCommand net;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ATTACH_TYPE dev IFNAME", arity = "3")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            int flags = modeFlags(args.get(0), spec);
            if (!Handles.isPrefix(args.get(1), "dev")) {
                throw new ParameterException(spec.commandLine(), "expected 'dev', got: '" + args.get(1) + "'");
            }
            int ifindex = ifindex(args.get(2));
            try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                Rtnetlink.detachXdp(nl, ifindex, flags);
            } catch (NetlinkException e) {
                throw new Handles.Failure("interface " + args.get(0) + " detach failed: " + dev.ebpf4j.bindings.Errno.describe(e.errno())
                        + (e.kernelMessage() == null ? "" : " (" + e.kernelMessage() + ")"));
            }
            return 0;
        }
    }
}
