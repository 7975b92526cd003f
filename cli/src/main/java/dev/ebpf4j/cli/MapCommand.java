package dev.ebpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.ObjectKind;
import dev.ebpf4j.loader.inspect.MapEntry;
import dev.ebpf4j.loader.inspect.MapInfo;
import dev.ebpf4j.loader.inspect.Maps;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.btf.Btf;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ebpf4j map}: the maps in the kernel and their entries, as {@code bpftool map} shows them. */
@Command(name = "map", mixinStandardHelpOptions = true, description = "Inspect and edit the eBPF maps in the kernel.",
        subcommands = {MapCommand.Show.class, MapCommand.Dump.class, MapCommand.Lookup.class, MapCommand.Update.class,
            MapCommand.Delete.class, MapCommand.GetNext.class},
        footer = {"", "Examples:", "  ebpf4j map", "  ebpf4j map dump name syscall_counts",
                "  ebpf4j map update id 7 key 1 0 0 0 value hex 2a 00 00 00 00 00 00 00"})
final class MapCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** As {@code bpftool map}: no command lists every map. */
    @Override
    public void run() {
        Show.print(main, spec, List.of());
    }

    // ------------------------------------------------------------------------------------------ formats

    /** bpftool's {@code fprint_hex(f, data, n, " ")}: a new line every 16 bytes, two spaces after 8. */
    static String hex(byte[] data) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < data.length; i++) {
            String pfx = "";
            if (i == 0) {
                // nothing
            } else if (i % 16 == 0) {
                sb.append('\n');
            } else if (i % 8 == 0) {
                sb.append("  ");
            } else {
                pfx = " ";
            }
            sb.append(pfx).append(String.format("%02x", data[i] & 0xff));
        }
        return sb.toString();
    }

    /** bpftool's {@code print_entry_plain}. */
    static String entryPlain(MapInfo map, byte[] key, List<byte[]> values) {
        StringBuilder sb = new StringBuilder();
        if (!map.perCpu()) {
            boolean breakNames = map.keySize() > 16 || map.valueSize() > 16;
            boolean singleLine = map.keySize() + map.valueSize() <= 24 && !breakNames;
            if (map.keySize() != 0) {
                sb.append("key:").append(breakNames ? '\n' : ' ').append(hex(key)).append(singleLine ? "  " : "\n");
            }
            if (map.valueSize() != 0) {
                sb.append("value:").append(breakNames ? '\n' : ' ').append(hex(values.getFirst()));
            }
            sb.append('\n');
        } else {
            if (map.keySize() != 0) {
                sb.append("key:\n").append(hex(key)).append('\n');
            }
            if (map.valueSize() != 0) {
                for (int i = 0; i < values.size(); i++) {
                    sb.append(String.format("value (CPU %02d):", i)).append(map.valueSize() > 16 ? '\n' : ' ')
                            .append(hex(values.get(i))).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** bpftool's {@code print_entry_error_msg}. */
    static String entryError(MapInfo map, byte[] key, String msg) {
        boolean breakNames = map.keySize() > 16 || msg.length() > 16;
        boolean singleLine = map.keySize() + msg.length() <= 24 && !breakNames;
        return "key:" + (breakNames ? '\n' : ' ') + hex(key) + (singleLine ? "  " : "\n") + "value:"
                + (breakNames ? '\n' : ' ') + msg + "\n";
    }

    static boolean holdsFds(MapInfo map) {
        MapType t = map.mapType().orElse(null);
        return t == MapType.PROG_ARRAY || t == MapType.ARRAY_OF_MAPS || t == MapType.HASH_OF_MAPS;
    }

    /** bpftool's {@code do_dump_btf}: {@code {"key": ..., "value": ...}} or per CPU {@code "values"}. */
    static ObjectNode formatted(Btf btf, MapInfo map, byte[] key, List<byte[]> values, boolean plain) {
        MapEntry.Formatted f = Maps.format(btf, map, key, values);
        ObjectNode n = NODES.objectNode();
        f.key().ifPresent(k -> n.set("key", BtfTree.convert(btf, map.btfKeyTypeId(), k, plain)));
        int valueType = map.btfVmlinuxValueTypeId() != 0 ? map.btfVmlinuxValueTypeId() : map.btfValueTypeId();
        if (!map.perCpu()) {
            n.set("value", BtfTree.convert(btf, valueType, f.values().getFirst(), plain));
        } else {
            ArrayNode all = n.putArray("values");
            for (int i = 0; i < f.values().size(); i++) {
                ObjectNode c = all.addObject();
                c.put("cpu", i);
                c.set("value", BtfTree.convert(btf, valueType, f.values().get(i), plain));
            }
        }
        return n;
    }

    /** bpftool's {@code print_entry_json}. */
    static ObjectNode entryJson(MapInfo map, byte[] key, List<byte[]> values, Optional<Btf> btf) {
        ObjectNode n = NODES.objectNode();
        n.set("key", ProgDumpCommand.hexArray(key, 0, key.length));
        if (!map.perCpu()) {
            n.set("value", ProgDumpCommand.hexArray(values.getFirst(), 0, values.getFirst().length));
        } else {
            ArrayNode all = n.putArray("values");
            for (int i = 0; i < values.size(); i++) {
                ObjectNode c = all.addObject();
                c.put("cpu", i);
                c.set("value", ProgDumpCommand.hexArray(values.get(i), 0, values.get(i).length));
            }
        }
        btf.ifPresent(b -> n.set("formatted", formatted(b, map, key, values, false)));
        return n;
    }

    /** Parsed {@code key ... value ... [any|exist|noexist]} words of bpftool's {@code parse_elem}. */
    record Elem(byte[] key, byte[] value, Integer valueProgId, Integer valueMapId, UpdateFlag flag) {}

    /** bpftool's {@code parse_bytes}: {@code [hex] BYTE...}, exactly {@code n} of them. */
    static byte[] parseBytes(List<String> args, int[] pos, String name, int n) {
        int base = 0;
        if (pos[0] < args.size() && Handles.isPrefix(args.get(pos[0]), "hex")) {
            base = 16;
            pos[0]++;
        }
        byte[] out = new byte[n];
        int i = 0;
        while (i < n && pos[0] < args.size()) {
            String word = args.get(pos[0]);
            long v = Handles.parseUnsigned(word, base);
            if (v < 0) {
                throw new Handles.Failure("error parsing byte: " + word);
            }
            out[i++] = (byte) v;
            pos[0]++;
        }
        if (i != n) {
            throw new Handles.Failure(name + " expected " + n + " bytes got " + i);
        }
        return out;
    }

    /** bpftool's {@code parse_elem} from {@code args[from]}: which of key, value and flags are wanted. */
    static Elem parseElem(Inspector kernel, MapInfo map, List<String> args, int from, boolean wantKey,
            boolean wantValue, boolean wantFlags, CommandLine cl) {
        int[] pos = {from};
        byte[] key = null;
        byte[] value = null;
        Integer progId = null;
        Integer mapId = null;
        UpdateFlag flag = null;
        boolean keyDone = !wantKey;
        boolean valueDone = !wantValue;
        boolean flagsDone = !wantFlags;
        while (pos[0] < args.size()) {
            String word = args.get(pos[0]);
            if (Handles.isPrefix(word, "key")) {
                if (keyDone) {
                    throw new Handles.Failure(wantKey ? "duplicate key" : "unnecessary key");
                }
                pos[0]++;
                key = parseBytes(args, pos, "key", map.keySize());
                keyDone = true;
            } else if (Handles.isPrefix(word, "value")) {
                if (valueDone) {
                    throw new Handles.Failure(wantValue ? "duplicate value" : "unnecessary value");
                }
                pos[0]++;
                MapType t = map.mapType().orElse(null);
                if (t == MapType.ARRAY_OF_MAPS || t == MapType.HASH_OF_MAPS) {
                    mapId = Handles.map(kernel, args, pos[0], cl).id();
                    pos[0] += 2;
                } else if (t == MapType.PROG_ARRAY) {
                    ProgramInfo p = Handles.program(kernel, args, pos[0], cl);
                    progId = p.id();
                    pos[0] += 2;
                } else {
                    value = parseBytes(args, pos, "value", map.valueSize());
                }
                valueDone = true;
            } else if (Handles.isPrefix(word, "any") || Handles.isPrefix(word, "noexist")
                    || Handles.isPrefix(word, "exist")) {
                if (flagsDone) {
                    throw new Handles.Failure("flags specified multiple times: " + word);
                }
                flag = Handles.isPrefix(word, "any") ? UpdateFlag.ANY
                        : Handles.isPrefix(word, "noexist") ? UpdateFlag.NOEXIST : UpdateFlag.EXIST;
                flagsDone = true;
                pos[0]++;
            } else {
                throw new Handles.Failure("expected key or value, got: " + word);
            }
        }
        if (!keyDone) {
            throw new Handles.Failure("did not find key");
        }
        if (!valueDone) {
            throw new Handles.Failure("did not find value");
        }
        return new Elem(key, value, progId, mapId, flag == null ? UpdateFlag.ANY : flag);
    }

    static Inspector kernel() {
        return new Inspector();
    }

    // ------------------------------------------------------------------------------------------ commands

    /** {@code map show [MAP]} (also {@code map list}). */
    @Command(name = "show", aliases = "list", mixinStandardHelpOptions = true,
            description = "Show every map, or those MAP names (id ID | name NAME | pinned FILE).",
            footer = {"", "Examples:", "  ebpf4j map list", "  ebpf4j map show id 7", "  ebpf4j -j map show name hello.bss"})
    static final class Show implements Callable<Integer> {
        @ParentCommand
        MapCommand map;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..2", paramLabel = "MAP", description = "id ID | name NAME | pinned FILE")
        List<String> handle = List.of();

        @Override
        public Integer call() {
            if (handle.size() == 1) {
                throw new ParameterException(spec.commandLine(), "expected MAP: " + Handles.MAP);
            }
            print(map.main, spec, handle);
            return 0;
        }

        static void print(Main main, CommandSpec spec, List<String> handle) {
            Inspector kernel = kernel();
            List<MapInfo> maps = handle.isEmpty() ? kernel.maps().list() : Handles.maps(kernel, handle, 0, spec.commandLine());
            Output output = main.output();
            Refs refs = Refs.of(kernel, ObjectKind.MAP, main.bpffs, maps);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                if (!handle.isEmpty() && maps.size() == 1) {
                    output.printBpftool(out, Shown.mapJson(maps.getFirst(), refs));
                } else {
                    ArrayNode all = NODES.arrayNode();
                    maps.forEach(m -> all.add(Shown.mapJson(m, refs)));
                    output.printBpftool(out, all);
                }
            } else {
                maps.forEach(m -> out.print(Shown.map(m, refs)));
            }
        }
    }

    /** {@code map dump MAP}. */
    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = {"Print every entry of a map: as bytes, or formatted from BTF when the map has it.",
                "MAP is id ID | name NAME | pinned FILE."},
            footer = {"", "Examples:", "  ebpf4j map dump id 7", "  ebpf4j map dump name hello.bss",
                    "  ebpf4j -j map dump pinned /sys/fs/bpf/counts"})
    static final class Dump implements Callable<Integer> {
        @ParentCommand
        MapCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2", paramLabel = "MAP", description = "id ID | name NAME | pinned FILE")
        List<String> handle;

        @Override
        public Integer call() {
            Inspector kernel = kernel();
            List<MapInfo> maps = Handles.maps(kernel, handle, 0, spec.commandLine());
            Output output = parent.main.output();
            PrintWriter out = spec.commandLine().getOut();
            boolean several = maps.size() > 1;
            boolean tree = output.json() || maps.stream().allMatch(m -> m.btfId() != 0);
            ArrayNode root = NODES.arrayNode();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < maps.size(); i++) {
                MapInfo map = maps.get(i);
                Optional<Btf> btf = tree ? kernel.maps().btf(map) : Optional.empty();
                List<MapEntry> entries = kernel.maps().dump(map.id(), false);
                ArrayNode elements = NODES.arrayNode();
                if (!tree && several) {
                    text.append(Shown.mapHeader(map));
                }
                int found = 0;
                for (MapEntry e : entries) {
                    if (e.errno() != 0) {
                        if (holdsFds(map) && e.errno() == Errno.ENOENT.number()) {
                            continue;
                        }
                        if (output.json()) {
                            ObjectNode n = elements.addObject();
                            n.set("key", ProgDumpCommand.hexArray(e.key(), 0, e.key().length));
                            n.putObject("value").put("error", Errno.describe(e.errno()));
                        } else {
                            String msg = e.errno() == Errno.ENOENT.number() ? "<no entry>"
                                    : e.errno() == Errno.ENOSPC.number() && map.mapType().orElse(null) == MapType.REUSEPORT_SOCKARRAY
                                    ? "<cannot read>" : Errno.describe(e.errno());
                            if (tree) {
                                out.print(entryError(map, e.key(), msg)); // bpftool prints these amid the JSON
                            } else {
                                text.append(entryError(map, e.key(), msg));
                            }
                        }
                        continue;
                    }
                    found++;
                    if (output.json()) {
                        elements.add(entryJson(map, e.key(), e.values(), btf));
                    } else if (tree) {
                        elements.add(btf.isPresent() ? formatted(btf.get(), map, e.key(), e.values(), true) : NODES.objectNode());
                    } else {
                        text.append(entryPlain(map, e.key(), e.values()));
                    }
                }
                if (tree) {
                    if (several) {
                        ObjectNode m = Shown.mapHeaderJson(map);
                        m.set("elements", elements);
                        root.add(m);
                    } else {
                        root = elements;
                    }
                } else {
                    text.append("Found ").append(found).append(" element").append(found != 1 ? "s" : "").append('\n');
                    if (i != maps.size() - 1) {
                        text.append('\n');
                    }
                }
            }
            if (output.json()) {
                output.printBpftool(out, root);
            } else if (tree) {
                out.print(Jsonw.write(root, true));
            } else {
                out.print(text);
            }
            return 0;
        }
    }

    /** {@code map lookup MAP key DATA}. */
    @Command(name = "lookup", mixinStandardHelpOptions = true,
            description = {"Print the value stored under a key.", "DATA is [hex] BYTES: one number per byte, decimal or"
                + " 0x-hex, or hex digits after 'hex'."},
            footer = {"", "Examples:", "  ebpf4j map lookup id 7 key 1 0 0 0", "  ebpf4j -j map lookup name counts key hex 01 00 00 00"})
    static final class Lookup implements Callable<Integer> {
        @ParentCommand
        MapCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "ARGS", description = "MAP key DATA")
        List<String> args;

        @Override
        public Integer call() {
            Inspector kernel = kernel();
            MapInfo map = Handles.map(kernel, args, 0, spec.commandLine());
            Elem elem = parseElem(kernel, map, args, 2, true, false, false, spec.commandLine());
            Output output = parent.main.output();
            PrintWriter out = spec.commandLine().getOut();
            Optional<List<byte[]>> values;
            try {
                values = kernel.maps().lookup(map.id(), elem.key());
            } catch (BpfException e) {
                throw new Handles.Failure("lookup failed: " + Errno.describe(e.errno()));
            }
            if (values.isEmpty()) {
                if (output.json()) {
                    output.printBpftool(out, NODES.nullNode());
                } else {
                    out.print("key:\n" + hex(elem.key()) + "\n\nNot found\n");
                }
                return 1;
            }
            Optional<Btf> btf = kernel.maps().btf(map);
            if (output.json()) {
                output.printBpftool(out, entryJson(map, elem.key(), values.get(), btf));
            } else if (btf.isPresent()) {
                out.print(Jsonw.write(formatted(btf.get(), map, elem.key(), values.get(), true), true));
            } else {
                out.print(entryPlain(map, elem.key(), values.get()));
            }
            return 0;
        }
    }

    /** {@code map update MAP key DATA value VALUE [UPDATE_FLAGS]}. */
    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Store a value under a key.", "DATA is [hex] BYTES; VALUE is DATA, or PROG (id ID | tag TAG |"
                + " name NAME | pinned FILE) for a program array, or MAP for a map of maps;",
                "UPDATE_FLAGS is any (default), exist or noexist."},
            footer = {"", "Examples:", "  ebpf4j map update id 7 key 1 0 0 0 value 42 0 0 0 0 0 0 0",
                    "  ebpf4j map update name counts key hex 01 00 00 00 value hex 2a 00 00 00 00 00 00 00 noexist"})
    static final class Update implements Callable<Integer> {
        @ParentCommand
        MapCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "ARGS", description = "MAP key DATA value VALUE [UPDATE_FLAGS]")
        List<String> args;

        @Override
        public Integer call() {
            Inspector kernel = kernel();
            MapInfo map = Handles.map(kernel, args, 0, spec.commandLine());
            Elem elem = parseElem(kernel, map, args, 2, true, true, true, spec.commandLine());
            try {
                if (elem.valueProgId() != null) {
                    kernel.maps().updateWithProgram(map.id(), elem.key(), elem.valueProgId(), elem.flag());
                } else if (elem.valueMapId() != null) {
                    kernel.maps().updateWithMap(map.id(), elem.key(), elem.valueMapId(), elem.flag());
                } else {
                    kernel.maps().update(map.id(), elem.key(), elem.value(), elem.flag());
                }
            } catch (BpfException e) {
                throw new Handles.Failure("update failed: " + Errno.describe(e.errno()));
            }
            Output output = parent.main.output();
            if (output.json()) {
                output.printBpftool(spec.commandLine().getOut(), NODES.nullNode());
            }
            return 0;
        }
    }

    /** {@code map delete MAP key DATA}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete the entry of a key.",
            footer = {"", "Examples:", "  ebpf4j map delete id 9 key 1 2 3 4", "  ebpf4j map delete pinned /sys/fs/bpf/m key hex 01 02 03 04"})
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        MapCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "ARGS", description = "MAP key DATA")
        List<String> args;

        @Override
        public Integer call() {
            Inspector kernel = kernel();
            MapInfo map = Handles.map(kernel, args, 0, spec.commandLine());
            Elem elem = parseElem(kernel, map, args, 2, true, false, false, spec.commandLine());
            boolean deleted;
            try {
                deleted = kernel.maps().delete(map.id(), elem.key());
            } catch (BpfException e) {
                throw new Handles.Failure("delete failed: " + Errno.describe(e.errno()));
            }
            if (!deleted) {
                throw new Handles.Failure("delete failed: " + Errno.describe(Errno.ENOENT.number()));
            }
            Output output = parent.main.output();
            if (output.json()) {
                output.printBpftool(spec.commandLine().getOut(), NODES.nullNode());
            }
            return 0;
        }
    }

    /** {@code map getnext MAP [key DATA]}. */
    @Command(name = "getnext", mixinStandardHelpOptions = true,
            description = "Print the key after a key, or the first key when none is given.",
            footer = {"", "Examples:", "  ebpf4j map getnext id 7", "  ebpf4j map getnext id 7 key 1 0 0 0"})
    static final class GetNext implements Callable<Integer> {
        @ParentCommand
        MapCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "ARGS", description = "MAP [key DATA]")
        List<String> args;

        @Override
        public Integer call() {
            Inspector kernel = kernel();
            MapInfo map = Handles.map(kernel, args, 0, spec.commandLine());
            byte[] key = args.size() > 2 ? parseElem(kernel, map, args, 2, true, false, false, spec.commandLine()).key() : null;
            Optional<byte[]> next;
            try {
                next = kernel.maps().nextKey(map.id(), key);
            } catch (BpfException e) {
                throw new Handles.Failure("can't get next key: " + Errno.describe(e.errno()));
            }
            if (next.isEmpty()) {
                throw new Handles.Failure("can't get next key: " + Errno.describe(Errno.ENOENT.number()));
            }
            Output output = parent.main.output();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectNode n = NODES.objectNode();
                if (key != null) {
                    n.set("key", ProgDumpCommand.hexArray(key, 0, key.length));
                } else {
                    n.putNull("key");
                }
                n.set("next_key", ProgDumpCommand.hexArray(next.get(), 0, next.get().length));
                output.printBpftool(out, n);
            } else {
                out.print((key != null ? "key:\n" + hex(key) + "\n" : "key: None\n") + "next key:\n" + hex(next.get()) + "\n");
            }
            return 0;
        }
    }

}
