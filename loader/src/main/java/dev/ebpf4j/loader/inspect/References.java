package dev.ebpf4j.loader.inspect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Fd;

/**
 * Who refers to BPF objects besides the kernel: the processes holding their descriptors (bpftool's {@code pids},
 * read here from {@code /proc/PID/fd} and {@code fdinfo} rather than with a BPF iterator), and the files pinning
 * them in every mounted bpffs (bpftool's {@code -f}).
 */
final class References {
    private References() {}

    private static final Path PROC = Path.of("/proc");

    /**
     * For each object id of {@code kind}, the processes holding a descriptor of it, in pid order, each process once.
     * This process is left out, as bpftool leaves itself out; processes that exit or deny access while being read
     * are skipped.
     */
    static Map<Integer, List<Holder>> holders(ObjectKind kind) {
        return holders(kind, ProcessHandle.current().pid());
    }

    /** {@link #holders(ObjectKind)} leaving out process {@code excluded} (-1: none). */
    static Map<Integer, List<Holder>> holders(ObjectKind kind, long excluded) {
        Map<Integer, Set<Holder>> byId = new HashMap<>();
        for (int pid : pids()) {
            if (pid == excluded) {
                continue;
            }
            Path fds = PROC.resolve(Integer.toString(pid)).resolve("fd");
            String comm = null;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
                for (Path fd : entries) {
                    Optional<Integer> id = heldId(fd, pid, kind);
                    if (id.isPresent()) {
                        if (comm == null) {
                            comm = comm(pid);
                        }
                        byId.computeIfAbsent(id.get(), k -> new LinkedHashSet<>()).add(new Holder(pid, comm));
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // the process exited, or its descriptors are not ours to read
            }
        }
        Map<Integer, List<Holder>> out = new TreeMap<>();
        byId.forEach((id, holders) -> out.put(id, List.copyOf(holders)));
        return out;
    }

    private static Optional<Integer> heldId(Path fd, int pid, ObjectKind kind) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            if (ObjectKind.ofLinkTarget(target).orElse(null) != kind) {
                return Optional.empty();
            }
            Path info = PROC.resolve(Integer.toString(pid)).resolve("fdinfo").resolve(fd.getFileName());
            return Procfs.fdinfo(Files.readAllLines(info), kind.idKey()).map(v -> Integer.parseUnsignedInt(v.strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            entries.forEach(p -> pids.add(Integer.parseInt(p.getFileName().toString())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pids.sort(Comparator.naturalOrder());
        return pids;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static String comm(int pid) throws IOException {
        return Files.readString(PROC.resolve(Integer.toString(pid)).resolve("comm")).strip();
    }

    /**
     * For each object id of {@code kind}, the files pinning it in every mounted bpffs (from {@code /proc/mounts}),
     * in path order. Files that are not BPF objects, or that cannot be opened, are skipped.
     */
    static Map<Integer, List<Path>> pinned(ObjectKind kind) {
        Map<Integer, List<Path>> byId = new TreeMap<>();
        for (Path mount : bpffsMounts()) {
            try (Stream<Path> files = Files.walk(mount)) {
                files.filter(Files::isRegularFile).sorted().forEach(file -> pinnedId(file, kind)
                        .ifPresent(id -> byId.computeIfAbsent(id, k -> new ArrayList<>()).add(file)));
            } catch (IOException | UncheckedIOException e) {
                // a mount that vanished or cannot be walked pins nothing we can show
            }
        }
        return byId;
    }

    private static Optional<Integer> pinnedId(Path file, ObjectKind kind) {
        try (Fd fd = Bpf.objGet(file.toString())) {
            if (ObjectKind.of(fd).orElse(null) != kind) {
                return Optional.empty();
            }
            return Procfs.fdinfo(fd, kind.idKey()).map(v -> Integer.parseUnsignedInt(v.strip()));
        } catch (BpfException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The mount points of every bpffs, in /proc/mounts order, each once. */
    static List<Path> bpffsMounts() {
        try {
            return bpffsMounts(Files.readAllLines(PROC.resolve("mounts")));
        } catch (IOException e) {
            return List.of();
        }
    }

    static List<Path> bpffsMounts(List<String> mounts) {
        Set<Path> out = new LinkedHashSet<>();
        for (String line : mounts) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("bpf")) {
                out.add(Path.of(unescape(f[1])));
            }
        }
        return List.copyOf(out);
    }

    /** /proc/mounts writes space, tab, newline and backslash in paths as three-digit octal escapes. */
    static String unescape(String field) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
