package dev.ebpf4j.cli;

import java.nio.file.Path;
import java.util.List;

import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.MapInfo;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * bpftool's object handles: {@code PROG := id ID | tag TAG | name NAME | pinned FILE} and
 * {@code MAP := id ID | name NAME | pinned FILE}, with its error messages. Keywords may be abbreviated, as in bpftool.
 */
final class Handles {
    private Handles() {}

    static final String PROG = "id ID | tag TAG | name NAME | pinned FILE";
    static final String MAP = "id ID | name NAME | pinned FILE";

    /** A failure bpftool reports with {@code Error: ...} (exit 1 here). */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    /** bpftool's {@code is_prefix(word, full)}: {@code word} is a non-empty prefix of {@code full}. */
    static boolean isPrefix(String word, String full) {
        return !word.isEmpty() && full.startsWith(word);
    }

    /** C's {@code strtoul(s, &end, 0)} of a whole word (decimal, 0x hex or 0 octal), or -1 when it is not one. */
    static long parseUnsigned(String s, int base) {
        String t = s.strip();
        int b = base;
        if (b == 0) {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                b = 16;
                t = t.substring(2);
            } else if (t.length() > 1 && t.startsWith("0")) {
                b = 8;
                t = t.substring(1);
            } else {
                b = 10;
            }
        } else if (b == 16 && (t.startsWith("0x") || t.startsWith("0X"))) {
            t = t.substring(2);
        }
        if (t.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(t, b);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String strerror(BpfException e) {
        return Errno.describe(e.errno());
    }

    /** The programs a handle at {@code args[at..at+1]} names (several for a name or tag). */
    static List<ProgramInfo> programs(Inspector kernel, List<String> args, int at, CommandLine cl) {
        if (args.size() < at + 2) {
            throw new ParameterException(cl, "expected PROG: " + PROG);
        }
        String word = args.get(at);
        String arg = args.get(at + 1);
        if (isPrefix(word, "id")) {
            long id = parseUnsigned(arg, 0);
            if (id < 0 || id > 0xffff_ffffL) {
                throw new Failure("can't parse " + arg + " as ID");
            }
            try {
                return List.of(kernel.programs().get((int) id));
            } catch (BpfException e) {
                throw new Failure("get by id (" + id + "): " + strerror(e));
            }
        }
        if (isPrefix(word, "tag")) {
            List<ProgramInfo> found;
            try {
                found = kernel.programs().byTag(arg);
            } catch (IllegalArgumentException e) {
                throw new Failure("can't parse tag");
            }
            if (found.isEmpty()) {
                throw new Failure("no program with tag " + arg);
            }
            return found;
        }
        if (isPrefix(word, "name")) {
            if (arg.length() > 127) {
                throw new Failure("can't parse name");
            }
            List<ProgramInfo> found = kernel.programs().byName(arg);
            if (found.isEmpty()) {
                throw new Failure("no program with name " + arg);
            }
            return found;
        }
        if (isPrefix(word, "pinned")) {
            try {
                return List.of(kernel.programs().byPinnedPath(Path.of(arg)));
            } catch (BpfException e) {
                throw new Failure("bpf obj get (" + arg + "): " + strerror(e));
            } catch (IllegalArgumentException e) {
                throw new Failure(e.getMessage());
            }
        }
        throw new Failure("expected 'id', 'tag', 'name' or 'pinned', got: '" + word + "'?");
    }

    /** Exactly one program, as bpftool's {@code prog_parse_fd}. */
    static ProgramInfo program(Inspector kernel, List<String> args, int at, CommandLine cl) {
        List<ProgramInfo> found = programs(kernel, args, at, cl);
        if (found.size() > 1) {
            throw new Failure("several programs match this handle");
        }
        return found.getFirst();
    }

    /** The maps a handle at {@code args[at..at+1]} names (several for a name). */
    static List<MapInfo> maps(Inspector kernel, List<String> args, int at, CommandLine cl) {
        if (args.size() < at + 2) {
            throw new ParameterException(cl, "expected MAP: " + MAP);
        }
        String word = args.get(at);
        String arg = args.get(at + 1);
        if (isPrefix(word, "id")) {
            long id = parseUnsigned(arg, 0);
            if (id < 0 || id > 0xffff_ffffL) {
                throw new Failure("can't parse " + arg + " as ID");
            }
            try {
                return List.of(kernel.maps().get((int) id));
            } catch (BpfException e) {
                throw new Failure("get map by id (" + id + "): " + strerror(e));
            }
        }
        if (isPrefix(word, "name")) {
            if (arg.length() > 15) {
                throw new Failure("can't parse name");
            }
            List<MapInfo> found = kernel.maps().byName(arg);
            if (found.isEmpty()) {
                throw new Failure("no map with name " + arg);
            }
            return found;
        }
        if (isPrefix(word, "pinned")) {
            try {
                return List.of(kernel.maps().byPinnedPath(Path.of(arg)));
            } catch (BpfException e) {
                throw new Failure("bpf obj get (" + arg + "): " + strerror(e));
            } catch (IllegalArgumentException e) {
                throw new Failure(e.getMessage());
            }
        }
        throw new Failure("expected 'id', 'name' or 'pinned', got: '" + word + "'?");
    }

    /** Exactly one map, as bpftool's {@code map_parse_fd}. */
    static MapInfo map(Inspector kernel, List<String> args, int at, CommandLine cl) {
        List<MapInfo> found = maps(kernel, args, at, cl);
        if (found.size() > 1) {
            throw new Failure("several maps match this handle");
        }
        return found.getFirst();
    }
}
