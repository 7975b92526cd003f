package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_btf_info;
import dev.ebpf4j.bindings.uapi.bpf_core_relo;
import dev.ebpf4j.bindings.uapi.bpf_func_info;
import dev.ebpf4j.bindings.uapi.bpf_insn;
import dev.ebpf4j.bindings.uapi.bpf_line_info;
import dev.ebpf4j.bindings.uapi.bpf_link_info;
import dev.ebpf4j.bindings.uapi.bpf_map_info;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.bindings.uapi.btf_header;
import dev.ebpf4j.bindings.uapi.btf_type;
import dev.ebpf4j.bindings.uapi.iovec;
import dev.ebpf4j.bindings.uapi.msghdr;
import dev.ebpf4j.bindings.uapi.nlattr;
import dev.ebpf4j.bindings.uapi.nlmsgerr;
import dev.ebpf4j.bindings.uapi.nlmsghdr;
import dev.ebpf4j.bindings.uapi.ifinfomsg;
import dev.ebpf4j.bindings.uapi.perf_event_attr;
import dev.ebpf4j.bindings.uapi.perf_event_header;
import dev.ebpf4j.bindings.uapi.rtattr;
import dev.ebpf4j.bindings.uapi.sockaddr_nl;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The jextract layouts (made from the build machine's UAPI headers) against the running kernel's own
 * types in {@code /sys/kernel/btf/vmlinux}: every field a generated layout has must exist in the
 * kernel's type with the same byte offset and size. The kernel may have more (newer) fields, and its
 * growing structs may be larger; structs with a fixed ABI must have the same size. Fields inside
 * anonymous structs and unions are compared under their own names (C lets them be used so); for a
 * union such as {@code bpf_attr}, each generated alternative must also match one kernel alternative
 * as a whole, so a field cannot pass by matching a same-named field of another command.
 */
class LayoutDriftTest {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    static Btf kernel;

    /** A generated layout, the kernel type it mirrors, and whether the sizes must be equal. */
    record Case(String kernelName, GroupLayout generated, boolean sameSize) {}

    static final List<Case> CASES = List.of(
            new Case("bpf_attr", bpf_attr.layout(), false),
            new Case("bpf_insn", bpf_insn.layout(), true),
            new Case("bpf_prog_info", bpf_prog_info.layout(), false),
            new Case("bpf_map_info", bpf_map_info.layout(), false),
            new Case("bpf_link_info", bpf_link_info.layout(), false),
            new Case("bpf_btf_info", bpf_btf_info.layout(), false),
            new Case("bpf_func_info", bpf_func_info.layout(), true),
            new Case("bpf_line_info", bpf_line_info.layout(), true),
            new Case("bpf_core_relo", bpf_core_relo.layout(), true),
            new Case("btf_header", btf_header.layout(), true),
            new Case("btf_type", btf_type.layout(), true),
            new Case("perf_event_attr", perf_event_attr.layout(), false),
            new Case("perf_event_header", perf_event_header.layout(), true),
            new Case("nlmsghdr", nlmsghdr.layout(), true),
            new Case("nlmsgerr", nlmsgerr.layout(), true),
            new Case("nlattr", nlattr.layout(), true),
            new Case("rtattr", rtattr.layout(), true),
            new Case("ifinfomsg", ifinfomsg.layout(), true),
            new Case("sockaddr_nl", sockaddr_nl.layout(), true),
            new Case("iovec", iovec.layout(), true),
            // the kernel's own struct msghdr is internal; user space's is struct user_msghdr there
            new Case("user_msghdr", msghdr.layout(), true));

    /** A field: byte offset from the start of the outermost type, and byte size. */
    record Field(long offset, long size) {
        @Override
        public String toString() {
            return "offset " + offset + " size " + size;
        }
    }

    @BeforeAll
    static void readVmlinux() throws IOException {
        TestObjects.skipUnless(Files.isReadable(VMLINUX), "needs the kernel's BTF at " + VMLINUX + " (CONFIG_DEBUG_INFO_BTF)");
        kernel = Btf.parse(Files.readAllBytes(VMLINUX));
    }

    @TestFactory
    Stream<DynamicTest> generatedLayoutsMatchTheKernel() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.kernelName(), () -> check(c)));
    }

    static void check(Case c) {
        int id = kernelId(c.kernelName());
        List<String> problems = compare(c.kernelName(), c.generated(), id);
        if (!problems.isEmpty()) {
            fail("generated layout drifted from the kernel's BTF:\n  " + String.join("\n  ", problems));
        }
    }

    static int kernelId(String name) {
        OptionalInt s = kernel.findId(name, BtfType.Struct.class);
        OptionalInt u = kernel.findId(name, BtfType.Union.class);
        if (s.isEmpty() && u.isEmpty()) {
            fail("the kernel's BTF has no struct or union " + name);
        }
        return s.isPresent() ? s.getAsInt() : u.getAsInt();
    }

    /** All problems of {@code generated} against kernel type {@code id}; empty when they agree. */
    static List<String> compare(String name, GroupLayout generated, int id) {
        List<String> problems = new ArrayList<>();
        long kernelSize = kernel.sizeOf(id);
        boolean sameSize = CASES.stream().anyMatch(c -> c.generated() == generated && c.sameSize());
        if (sameSize ? kernelSize != generated.byteSize() : kernelSize < generated.byteSize()) {
            problems.add(name + ": sizeof is " + generated.byteSize() + " generated, " + kernelSize + " in the kernel"
                    + (sameSize ? "" : " (the kernel's may only be larger)"));
        }
        Map<String, List<Field>> gen = new LinkedHashMap<>();
        flattenLayout(generated, "", 0, gen);
        Map<String, List<Field>> ker = new LinkedHashMap<>();
        Map<String, List<Field>> kerBits = new LinkedHashMap<>();
        flattenBtf(id, "", 0, ker, kerBits);
        for (var e : gen.entrySet()) {
            List<Field> have = ker.get(e.getKey());
            for (Field f : e.getValue()) {
                if (have == null && withinBitfield(kerBits.get(e.getKey()), f)) {
                    continue; // a reserved word the kernel has since carved into bitfields, this one still named so
                }
                if (have == null) {
                    problems.add(name + "." + e.getKey() + ": not in the kernel's " + name + " (generated " + f + ")");
                } else if (!have.contains(f) && !grownStruct(have, f, gen, e.getKey())) {
                    problems.add(name + "." + e.getKey() + ": generated " + f + ", kernel " + (have.size() == 1 ? have.getFirst() : have));
                }
            }
        }
        if (generated instanceof UnionLayout union && kernel.resolvedType(id) instanceof BtfType.Union) {
            problems.addAll(compareAlternatives(name, union, id));
        }
        return problems;
    }

    /**
     * A nested struct or union (named member) may have grown at its end in the kernel: its own fields
     * are compared one by one, so only its size may differ, and only upwards.
     */
    static boolean grownStruct(List<Field> kernelFields, Field f, Map<String, List<Field>> gen, String name) {
        boolean composite = gen.keySet().stream().anyMatch(k -> k.startsWith(name + "."));
        return composite && kernelFields.stream().anyMatch(k -> k.offset() == f.offset() && k.size() >= f.size());
    }

    /** The kernel has a bitfield of this name whose bits lie inside field {@code f} (bit offsets in Field). */
    static boolean withinBitfield(List<Field> bits, Field f) {
        return bits != null && bits.stream().anyMatch(
                b -> b.offset() >= f.offset() * 8 && b.offset() + b.size() <= (f.offset() + f.size()) * 8);
    }

    /** Each anonymous alternative of a generated union must match one kernel alternative in every field. */
    static List<String> compareAlternatives(String name, UnionLayout union, int id) {
        List<Map<String, List<Field>>> kernelAlts = new ArrayList<>();
        for (BtfType.Member m : kernel.members(id)) {
            Map<String, List<Field>> alt = new LinkedHashMap<>();
            if (m.name().isEmpty()) {
                flattenBtf(m.type(), "", m.byteOffset(), alt, new LinkedHashMap<>());
            } else {
                flattenMember(m, "", 0, alt, new LinkedHashMap<>());
            }
            kernelAlts.add(alt);
        }
        List<String> problems = new ArrayList<>();
        for (MemoryLayout alt : union.memberLayouts()) {
            if (!(alt instanceof GroupLayout g) || !isAnonymous(alt)) {
                continue;
            }
            Map<String, List<Field>> gen = new LinkedHashMap<>();
            flattenLayout(g, "", 0, gen);
            boolean matched = kernelAlts.stream().anyMatch(k -> gen.entrySet().stream()
                    .allMatch(e -> k.containsKey(e.getKey()) && k.get(e.getKey()).containsAll(e.getValue())));
            if (!matched) {
                problems.add(name + ": no member of the kernel's union has all of the generated anonymous struct's fields "
                        + gen.keySet() + " at the same offsets");
            }
        }
        return problems;
    }

    static boolean isAnonymous(MemoryLayout l) {
        return l.name().map(n -> n.startsWith("$anon$")).orElse(true);
    }

    static void flattenLayout(GroupLayout group, String prefix, long base, Map<String, List<Field>> out) {
        long offset = base;
        for (MemoryLayout m : group.memberLayouts()) {
            if (!(m instanceof PaddingLayout)) {
                if (isAnonymous(m) && m instanceof GroupLayout g) {
                    flattenLayout(g, prefix, offset, out);
                } else {
                    String name = prefix + m.name().orElseThrow();
                    out.computeIfAbsent(name, k -> new ArrayList<>()).add(new Field(offset, m.byteSize()));
                    if (m instanceof GroupLayout g) {
                        flattenLayout(g, name + ".", offset, out);
                    }
                }
            }
            if (group instanceof StructLayout) {
                offset += m.byteSize();
            }
        }
    }

    /** Fields by name; bitfields (which jextract leaves out) go to {@code bits}, in bits rather than bytes. */
    static void flattenBtf(int id, String prefix, long base, Map<String, List<Field>> out, Map<String, List<Field>> bits) {
        for (BtfType.Member m : kernel.members(id)) {
            if (m.isBitfield()) {
                bits.computeIfAbsent(prefix + m.name(), k -> new ArrayList<>())
                        .add(new Field(base * 8 + Integer.toUnsignedLong(m.bitOffset()), m.bitfieldSize()));
            } else if (m.name().isEmpty()) {
                flattenBtf(m.type(), prefix, base + m.byteOffset(), out, bits);
            } else {
                flattenMember(m, prefix, base, out, bits);
            }
        }
    }

    static void flattenMember(BtfType.Member m, String prefix, long base, Map<String, List<Field>> out,
            Map<String, List<Field>> bits) {
        String name = prefix + m.name();
        long offset = base + m.byteOffset();
        out.computeIfAbsent(name, k -> new ArrayList<>()).add(new Field(offset, kernel.sizeOf(m.type())));
        if (kernel.resolvedType(m.type()) instanceof BtfType.Composite) {
            flattenBtf(m.type(), name + ".", offset, out, bits);
        }
    }

    // ------------------------------------------------------------------- the checker itself can fail

    @Test
    void aFieldAtTheWrongOffsetIsReported() {
        GroupLayout wrong = MemoryLayout.structLayout(
                java.lang.foreign.ValueLayout.JAVA_BYTE.withName("code"),
                java.lang.foreign.ValueLayout.JAVA_BYTE.withName("regs_moved"),
                java.lang.foreign.ValueLayout.JAVA_SHORT.withName("off"),
                java.lang.foreign.ValueLayout.JAVA_INT.withName("imm")).withName("bpf_insn");
        List<String> problems = compare("bpf_insn", wrong, kernelId("bpf_insn"));
        assertTrue(problems.contains("bpf_insn.regs_moved: not in the kernel's bpf_insn (generated offset 1 size 1)"),
                problems.toString());
        GroupLayout shifted = MemoryLayout.structLayout(
                java.lang.foreign.ValueLayout.JAVA_INT.withName("code"),
                java.lang.foreign.ValueLayout.JAVA_INT.withName("imm")).withName("bpf_insn");
        List<String> p2 = compare("bpf_insn", shifted, kernelId("bpf_insn"));
        assertTrue(p2.contains("bpf_insn.code: generated offset 0 size 4, kernel offset 0 size 1"), p2.toString());
    }

    @Test
    void aUnionAlternativeMixingTwoCommandsIsReported() {
        // map_fd (BPF_MAP_*_ELEM) and prog_type (BPF_PROG_LOAD) are both at offset 0, but in different structs
        GroupLayout mixed = MemoryLayout.unionLayout(MemoryLayout.structLayout(
                java.lang.foreign.ValueLayout.JAVA_INT.withName("map_fd"),
                java.lang.foreign.ValueLayout.JAVA_INT.withName("insn_cnt")).withName("$anon$1:1")).withName("bpf_attr");
        List<String> problems = compare("bpf_attr", mixed, kernelId("bpf_attr"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith("bpf_attr: no member of the kernel's union"), problems.toString());
    }

    @Test
    void theCommandFieldsTheHelpersUseAreChecked() {
        Map<String, List<Field>> gen = new LinkedHashMap<>();
        flattenLayout(bpf_attr.layout(), "", 0, gen);
        for (String used : List.of("map_type", "key_size", "value_size", "max_entries", "map_flags", "map_name",
                "map_fd", "key", "value", "next_key", "flags", "prog_type", "insn_cnt", "insns", "license",
                "log_level", "log_size", "log_buf", "prog_name", "pathname", "bpf_fd", "file_flags", "start_id",
                "next_id", "btf", "btf_log_buf", "btf_size", "btf_log_size", "btf_log_level", "info.bpf_fd",
                "info.info_len", "info.info", "test.prog_fd", "test.retval", "test.data_in", "test.data_out",
                "test.data_size_in", "test.data_size_out", "test.repeat", "test.duration", "link_create.prog_fd",
                "link_create.target_fd", "link_create.attach_type", "link_create.flags")) {
            assertTrue(gen.containsKey(used), "the generated bpf_attr has no " + used + " to compare");
        }
    }
}
