package dev.ebpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ebpf4j.object.testing.TestObjects;

/** .BTF.ext of the examples against what their C sources imply. */
class BtfExtTest {
    private static final Pattern PROGRAM = Pattern.compile("SEC\\(\"([^\"]+)\"\\)\\s*\\n\\s*(?:static\\s+)?int\\s+(\\w+)\\s*\\(");
    /** Function definitions at the start of a line that the compiler keeps as functions (not always_inline). */
    private static final Pattern SUBPROG = Pattern.compile(
            "(?m)^(?:static\\s+)?(?:__attribute__\\(\\(noinline\\)\\)\\s+)?(?:int|long)\\s+(\\w+)\\s*\\([^;]*$");

    record Loaded(Path object, Btf btf, BtfExt ext, List<String> source) {}

    static Loaded load(String name) {
        Path object = TestObjects.example(name + ".bpf.o");
        Btf btf = Btf.parse(Sections.btf(object));
        BtfExt ext = BtfExt.parse(Sections.btfExt(object), btf);
        String src = new String(TestObjects.read(TestObjects.example(name + ".bpf.c")));
        return new Loaded(object, btf, ext, src.lines().toList());
    }

    static Stream<String> examples() {
        return TestObjects.exampleObjects().stream().map(p -> p.getFileName().toString().replace(".bpf.o", ""));
    }

    /** Section name to function names, from SEC("...") definitions and noinline subprograms (in .text). */
    static Map<String, List<String>> expectedFunctions(List<String> source) {
        String text = String.join("\n", source);
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = PROGRAM.matcher(text);
        while (m.find()) {
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
        }
        Set<String> programs = new HashSet<>();
        out.values().forEach(programs::addAll);
        Matcher s = SUBPROG.matcher(text);
        while (s.find()) {
            if (!programs.contains(s.group(1))) {
                out.computeIfAbsent(".text", k -> new ArrayList<>()).add(s.group(1));
            }
        }
        return out;
    }

    @Test
    void helloFunctionAndLines() {
        Loaded l = load("hello");
        List<BtfExt.FuncInfo> fi = l.ext.funcInfos("xdp");
        assertEquals(List.of("hello"), fi.stream().map(l.ext::funcName).toList());
        assertEquals(0, fi.getFirst().insnIndex());
        assertTrue(l.ext.lineInfos("xdp").stream().map(l.ext::lineText).map(String::trim)
                .anyMatch("bpf_printk(\"Hello World %d\", counter);"::equals), "hello's bpf_printk line");
        assertEquals(8, l.ext.funcInfoRecordSize());
        assertEquals(16, l.ext.lineInfoRecordSize());
    }

    @Test
    void syscallCounterHasProgramAndSubprogram() {
        Loaded l = load("syscall_counter");
        assertEquals(List.of("count_syscalls"), l.ext.funcInfos("raw_tp/sys_enter").stream().map(l.ext::funcName).toList());
        assertEquals(List.of("account"), l.ext.funcInfos(".text").stream().map(l.ext::funcName).toList());
    }

    @ParameterizedTest
    @MethodSource("examples")
    void funcInfoMatchesSource(String name) {
        Loaded l = load(name);
        Map<String, List<String>> expected = expectedFunctions(l.source);
        assertFalse(expected.isEmpty(), "no programs found in " + name + ".bpf.c");
        Map<String, List<String>> actual = new LinkedHashMap<>();
        l.ext.funcInfos().forEach((sec, infos) -> actual.put(sec, infos.stream().map(l.ext::funcName).toList()));
        assertEquals(new HashSet<>(expected.keySet()), actual.keySet(), name + ": sections with func_info");
        expected.forEach((sec, fns) -> assertEquals(Set.copyOf(fns), Set.copyOf(actual.get(sec)), name + " " + sec));
        for (var infos : l.ext.funcInfos().values()) {
            for (BtfExt.FuncInfo f : infos) {
                assertEquals(f.insnOff() / 8, f.insnIndex());
                assertTrue(l.btf.type(f.typeId()) instanceof BtfType.Func fn
                        && l.btf.type(fn.type()) instanceof BtfType.FuncProto);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void lineInfoMatchesSourceFile(String name) {
        Loaded l = load(name);
        int checked = 0;
        for (String sec : l.ext.sections()) {
            int prev = -1;
            for (BtfExt.LineInfo li : l.ext.lineInfos(sec)) {
                assertTrue(l.ext.fileName(li).endsWith("/" + name + ".bpf.c"), l.ext.fileName(li));
                assertTrue(li.insnIndex() >= prev, "line info is sorted by instruction");
                prev = li.insnIndex();
                assertEquals(li.lineNum() << 10 | li.column(), li.lineCol());
                if (li.lineNum() == 0) {
                    continue; // compiler-generated code has no line
                }
                String line = l.source.get(li.lineNum() - 1);
                assertEquals(line, l.ext.lineText(li), name + ".bpf.c:" + li.lineNum());
                assertTrue(li.column() <= line.length() + 1, "column " + li.column() + " within " + line);
                checked++;
            }
        }
        assertTrue(checked > 0, "no line info checked for " + name);
    }

    /** Where a field-based access string leads: the member names walked, starting at the relocation's type. */
    static List<String> memberPath(Btf btf, BtfExt.CoreRelocation r) {
        int[] idx = r.accessIndices();
        List<String> names = new ArrayList<>();
        int type = btf.resolve(r.typeId());
        for (int i = 1; i < idx.length; i++) {
            BtfType t = btf.type(type);
            if (t instanceof BtfType.Composite c) {
                BtfType.Member m = c.members().get(idx[i]);
                names.add(m.name());
                type = btf.resolve(m.type());
            } else if (t instanceof BtfType.Array a) {
                names.add("[" + idx[i] + "]");
                type = btf.resolve(a.elementType());
            } else {
                throw new AssertionError("access string " + r.accessString() + " walks into " + btf.describe(type));
            }
        }
        return names;
    }

    /** "kind type path" of a relocation, resolved through the BTF. */
    static String describe(Btf btf, BtfExt.CoreRelocation r) {
        String target = btf.describe(btf.resolve(r.typeId()));
        if (r.kind().isFieldBased()) {
            return r.kind() + " " + target + " " + String.join(".", memberPath(btf, r));
        }
        if (r.kind().isEnumValueBased()) {
            var e = btf.type(btf.resolve(r.typeId()), BtfType.Enum.class);
            return r.kind() + " " + target + " " + e.values().get(r.accessIndices()[0]).name();
        }
        return r.kind() + " " + target;
    }

    @Test
    void taskInfoCoreRelocationsMatchSource() {
        Loaded l = load("task_info");
        // From emit(): BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, real_parent, tgid),
        // bpf_core_field_exists(task->comm), BPF_CORE_READ_STR_INTO(&e->comm, task, comm).
        Set<String> emit = Set.of(
                "FIELD_BYTE_OFFSET struct task_struct tgid",
                "FIELD_BYTE_OFFSET struct task_struct real_parent",
                "FIELD_EXISTS struct task_struct comm",
                "FIELD_BYTE_OFFSET struct task_struct comm");
        // on_exec() adds bpf_core_type_exists(struct task_struct) and bpf_core_enum_value(enum pid_type, PIDTYPE_TGID).
        Set<String> exec = new HashSet<>(emit);
        exec.add("TYPE_EXISTS struct task_struct");
        exec.add("ENUMVAL_VALUE enum pid_type PIDTYPE_TGID");

        Map<String, Set<String>> actual = new LinkedHashMap<>();
        l.ext.coreRelocations().forEach((sec, relos) -> {
            Set<String> s = new HashSet<>();
            for (BtfExt.CoreRelocation r : relos) {
                s.add(describe(l.btf, r));
            }
            actual.put(sec, s);
        });
        assertEquals(Map.of("kprobe/do_sys_openat2", emit, "tracepoint/sched/sched_process_exec", exec), actual);

        for (var relos : l.ext.coreRelocations().values()) {
            for (BtfExt.CoreRelocation r : relos) {
                assertEquals(r.accessString(), l.btf.string(r.accessStringOff()));
                int[] idx = r.accessIndices();
                assertEquals(r.accessString(), String.join(":", java.util.Arrays.stream(idx).mapToObj(Integer::toString).toList()));
                if (r.kind() == CoreRelocationKind.TYPE_EXISTS) {
                    assertArrayEquals(new int[] {0}, idx);
                }
            }
        }
    }

    @Test
    void accessStringParsing() {
        assertArrayEquals(new int[] {0, 1, 2}, BtfExt.parseAccess("0:1:2"));
        assertArrayEquals(new int[] {17}, BtfExt.parseAccess("17"));
        for (String bad : new String[] {"", ":", "0:", ":1", "0::1", "a", "1:x", "99999999999"}) {
            try {
                BtfExt.parseAccess(bad);
                throw new AssertionError("accepted '" + bad + "'");
            } catch (IllegalArgumentException expected) {
                // fine
            }
        }
    }

    @Test
    void kindNumbering() {
        assertEquals(0, CoreRelocationKind.FIELD_BYTE_OFFSET.number());
        assertEquals(8, CoreRelocationKind.TYPE_EXISTS.number());
        assertEquals(11, CoreRelocationKind.ENUMVAL_VALUE.number());
        assertEquals(12, CoreRelocationKind.TYPE_MATCHES.number());
        assertEquals(null, CoreRelocationKind.ofNumber(13));
    }
}
