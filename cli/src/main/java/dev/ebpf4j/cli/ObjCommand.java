package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.object.GlobalVariable;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j obj}: look inside an eBPF object file without loading anything. */
@Command(name = "obj", mixinStandardHelpOptions = true, description = "Inspect eBPF object files (.bpf.o) without loading them.",
        subcommands = {ObjCommand.Show.class, ObjDumpCommand.class},
        footer = {"", "Examples:", "  ebpf4j obj show examples/hello.bpf.o",
                "  ebpf4j obj dump examples/syscall_counter.bpf.o name count_syscalls linum"})
final class ObjCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command: show or dump");
    }

    /** {@code ebpf4j obj show FILE.o}. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an object's programs, maps, global variables and license.",
            footer = {"", "Example:", "  ebpf4j obj show examples/hello.bpf.o", "  ebpf4j -p obj show examples/globals.bpf.o"})
    static final class Show implements Callable<Integer> {
        @ParentCommand
        ObjCommand obj;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "the eBPF object file")
        Path file;

        @Override
        public Integer call() {
            ObjectSpec object = ObjectSpec.open(file);
            Output output = obj.main.output();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                output.print(out, json(output, object));
            } else {
                text(out, object);
            }
            return 0;
        }

        private ObjectNode json(Output output, ObjectSpec object) {
            ObjectNode root = output.object();
            root.put("file", file.toString());
            root.put("name", object.name());
            root.put("license", object.license());
            root.put("kern_version", object.kernelVersion());
            ArrayNode programs = root.putArray("programs");
            for (ProgramSpec p : object.programs()) {
                ObjectNode n = programs.addObject();
                n.put("name", p.name());
                n.put("section", p.sectionName());
                n.put("type", p.type().bpftoolName());
                n.put("insns", p.slots());
                n.put("tag", p.tag());
                if (p.expectedAttachType() != null) {
                    n.put("attach_type", p.expectedAttachType().bpftoolName());
                }
                if (!p.attachTarget().isEmpty()) {
                    n.put("attach_target", p.attachTarget());
                }
                ArrayNode subs = n.putArray("subprograms");
                p.subprograms().forEach(f -> subs.add(f.name()));
                ArrayNode maps = n.putArray("maps");
                p.mapsUsed().forEach(m -> maps.add(object.map(m).map(MapSpec::kernelName).orElse(m)));
            }
            ArrayNode maps = root.putArray("maps");
            for (MapSpec m : object.maps()) {
                ObjectNode n = maps.addObject();
                n.put("name", m.kernelName());
                n.put("type", m.type().bpftoolName());
                n.put("key_size", m.keySize());
                n.put("value_size", m.valueSize());
                n.put("max_entries", m.maxEntries());
                n.put("flags", m.flags());
                n.put("section", m.section());
                n.put("kind", m.kind().name().toLowerCase(java.util.Locale.ROOT));
                if (m.pinning() != MapSpec.Pinning.NONE) {
                    n.put("pinning", "by_name");
                }
            }
            ArrayNode globals = root.putArray("globals");
            for (GlobalVariable v : object.variables()) {
                ObjectNode n = globals.addObject();
                n.put("name", v.name());
                n.put("section", v.section());
                n.put("offset", v.offset());
                n.put("size", v.size());
                n.put("type", typeOf(object, v));
            }
            return root;
        }

        private void text(PrintWriter out, ObjectSpec object) {
            out.printf("%s: object %s  license \"%s\"%s%n", file, object.name(), object.license(),
                    object.kernelVersion() != 0 ? "  kern_version " + object.kernelVersion() : "");
            out.println("programs:");
            if (object.programs().isEmpty()) {
                out.println("\t(none)");
            }
            for (ProgramSpec p : object.programs()) {
                out.printf("\t%s: %s  section %s  insns %d  tag %s", p.name(), p.type().bpftoolName(), p.sectionName(),
                        p.slots(), p.tag());
                if (!p.subprograms().isEmpty()) {
                    out.print("  calls " + String.join(",", p.subprograms().stream().map(f -> f.name()).toList()));
                }
                List<String> maps = p.mapsUsed().stream().map(m -> object.map(m).map(MapSpec::kernelName).orElse(m)).toList();
                if (!maps.isEmpty()) {
                    out.print("  maps " + String.join(",", maps));
                }
                out.println();
            }
            out.println("maps:");
            if (object.maps().isEmpty()) {
                out.println("\t(none)");
            }
            for (MapSpec m : object.maps()) {
                out.printf("\t%s: %s  key %dB  value %dB  max_entries %d  flags 0x%x%s%n", m.kernelName(),
                        m.type().bpftoolName(), m.keySize(), m.valueSize(), m.maxEntries(), m.flags(),
                        m.pinning() == MapSpec.Pinning.BY_NAME ? "  pinned by name" : "");
            }
            List<GlobalVariable> globals = object.variables();
            if (!globals.isEmpty()) {
                out.println("globals:");
                for (GlobalVariable v : globals) {
                    out.printf("\t%s+%d: %s  size %d  %s%n", v.section(), v.offset(), v.name(), v.size(), typeOf(object, v));
                }
            }
        }

        private static String typeOf(ObjectSpec object, GlobalVariable v) {
            return object.btf() == null || v.btfTypeId() == 0 ? "" : object.btf().describe(v.btfTypeId());
        }
    }
}
