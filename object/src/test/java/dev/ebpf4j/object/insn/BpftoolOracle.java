package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The running kernel, through bpftool, as an oracle: loads example objects into a private bpffs
 * directory (removed again by {@link #removePins}), reads program info, xlated instructions and
 * /proc/kallsyms. Only loads programs; never attaches anything.
 */
public final class BpftoolOracle {
    private BpftoolOracle() {}

    public static final Path BPFFS = Path.of("/sys/fs/bpf");

    /** Skips (fails under EBPF4J_NO_SKIP=1) unless we are root with bpftool and a mounted bpffs. */
    public static void requireKernel() {
        TestObjects.requireTool("bpftool");
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "loading BPF programs needs root");
        TestObjects.skipUnless(Files.isDirectory(BPFFS) && Files.isWritable(BPFFS), "no writable bpffs at " + BPFFS);
    }

    /** A fresh pin path under /sys/fs/bpf for this JVM (the caller must {@link #removePins} it). */
    public static Path pinPath(String purpose) {
        return BPFFS.resolve("ebpf4j_" + purpose + "_" + ProcessHandle.current().pid());
    }

    /** Removes a pin or a directory of pins (the programs go away with their last reference). */
    public static void removePins(Path pin) {
        if (!pin.startsWith(BPFFS) || pin.equals(BPFFS)) {
            throw new IllegalArgumentException("refusing to remove " + pin);
        }
        if (!Files.exists(pin)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(pin)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + pin, e);
        }
    }

    /** Result of a command: exit code, stdout, stderr. */
    public record Result(int exitCode, String out, String err) {}

    public static Result exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One loaded program, as {@code bpftool -j prog show} describes it. */
    public record Prog(Path pin, int id, String name, String tag, boolean jited) {}

    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
    private static final Pattern NAME = Pattern.compile("\"name\":\"([^\"]*)\"");
    private static final Pattern TAG = Pattern.compile("\"tag\":\"([0-9a-f]{16})\"");
    private static final Pattern JITED = Pattern.compile("\"jited\":(true|false)");

    private static String group(Pattern p, String s, String what) {
        Matcher m = p.matcher(s);
        assertTrue(m.find(), "no " + what + " in " + s);
        return m.group(1);
    }

    public static Prog show(Path pin) {
        String json = TestObjects.run("bpftool", "-j", "prog", "show", "pinned", pin.toString());
        return new Prog(pin, Integer.parseInt(group(ID, json, "id")), group(NAME, json, "name"), group(TAG, json, "tag"),
                Boolean.parseBoolean(group(JITED, json, "jited")));
    }

    /**
     * {@code bpftool prog loadall object dir}: the loaded programs, or an empty list when the kernel
     * or libbpf refuses the object (the reason goes to {@code failures}).
     */
    public static List<Prog> loadAll(Path object, Path dir, List<String> failures) {
        // maps declared with pinning = LIBBPF_PIN_BY_NAME get pinned as /sys/fs/bpf/<name> by libbpf:
        // remove those this load creates
        List<Path> byName = new ArrayList<>();
        for (String map : mapNames(object)) {
            Path pin = BPFFS.resolve(map);
            if (!Files.exists(pin)) {
                byName.add(pin);
            }
        }
        Result r;
        try {
            r = exec("bpftool", "prog", "loadall", object.toString(), dir.toString());
        } finally {
            for (Path pin : byName) {
                try {
                    Files.deleteIfExists(pin);
                } catch (IOException e) {
                    throw new UncheckedIOException("could not remove map pin " + pin, e);
                }
            }
        }
        if (r.exitCode() != 0) {
            failures.add(object.getFileName() + ": " + r.err().strip().lines().reduce((a, b) -> b).orElse(""));
            return List.of();
        }
        List<Prog> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path pin : s.sorted().toList()) {
                out.add(show(pin));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Names of the map definitions ({@code .maps} / {@code maps} symbols) of an object. */
    static List<String> mapNames(Path object) {
        ElfFile elf = ElfFile.parse(TestObjects.read(object));
        List<String> out = new ArrayList<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.isDefined() && !s.name().isEmpty() && s.type() == ElfSymbol.STT_OBJECT) {
                String section = elf.section(s.sectionIndex()).name();
                if (section.equals(".maps") || section.equals("maps")) {
                    out.add(s.name());
                }
            }
        }
        return out;
    }

    /** The raw xlated instructions of a loaded program. */
    public static byte[] xlatedBytes(Prog prog) {
        try {
            Path file = Files.createTempFile("ebpf4j-xlated", ".bin");
            try {
                TestObjects.run("bpftool", "prog", "dump", "xlated", "id", Integer.toString(prog.id()), "file", file.toString());
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running kernel's release ({@code uname -r}). */
    public static String kernelRelease() {
        return TestObjects.run("uname", "-r").strip();
    }

    /** /proc/kallsyms: address to the first name listed there. */
    public static Map<Long, String> kallsyms() {
        Map<Long, String> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/kallsyms"))) {
                String[] f = line.split("\\s+");
                if (f.length >= 3) {
                    out.putIfAbsent(Long.parseUnsignedLong(f[0], 16), f[2]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
