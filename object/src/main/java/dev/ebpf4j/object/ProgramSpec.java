package dev.ebpf4j.object;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.ProgramTag;
import dev.ebpf4j.object.insn.Pseudo;

/**
 * A program as an object declares it: its entry function, the subprograms it reaches, and what its section
 * says about its type and attach point.
 *
 * @param name          the entry function's name (what bpftool shows as the program name, truncated to 15)
 * @param section       the section name and what it resolved to
 * @param entry         the entry function
 * @param subprograms   the functions it reaches through BPF-to-BPF calls or callback addresses, in the order a
 *                      loader appends them (first use while scanning the growing program)
 * @param license       the object's license string
 * @param kernelVersion the object's {@code version} section value, 0 when absent
 */
public record ProgramSpec(String name, ProgramSection.Match section, FunctionSpec entry, List<FunctionSpec> subprograms,
                          String license, int kernelVersion) {

    public ProgramSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(section);
        Objects.requireNonNull(entry);
        subprograms = List.copyOf(subprograms);
    }

    public ProgramType type() {
        return section.type();
    }

    /** The expected attach type passed at load, or null. */
    public AttachType expectedAttachType() {
        return section.attachType();
    }

    /** What to attach to, from the section name ({@code do_sys_openat2} for {@code kprobe/do_sys_openat2}); may be empty. */
    public String attachTarget() {
        return section.target();
    }

    public String sectionName() {
        return section.sectionName();
    }

    /** The entry function followed by its subprograms, each with its first slot in the linked program. */
    public Map<String, Integer> layout() {
        Map<String, Integer> out = new LinkedHashMap<>();
        int slot = 0;
        out.put(entry.name(), slot);
        slot += entry.slots();
        for (FunctionSpec f : subprograms) {
            out.put(f.name(), slot);
            slot += f.slots();
        }
        return out;
    }

    /** Every function of the linked program, entry first. */
    public List<FunctionSpec> functions() {
        List<FunctionSpec> all = new ArrayList<>(subprograms.size() + 1);
        all.add(entry);
        all.addAll(subprograms);
        return all;
    }

    /** Total instruction slots of the linked program. */
    public int slots() {
        return functions().stream().mapToInt(FunctionSpec::slots).sum();
    }

    /**
     * The program as a loader submits it, before map file descriptors exist: the entry function followed by its
     * subprograms, BPF-to-BPF call offsets and callback addresses fixed up, and every map reference marked with
     * its pseudo source ({@code Pseudo.MAP_FD} / {@code Pseudo.MAP_VALUE}) with zero immediates except the
     * value offset. The kernel's program tag is computed over these bytes with map immediates zeroed.
     */
    public byte[] linkedCode() {
        Map<String, Integer> layout = layout();
        ByteBuffer out = ByteBuffer.allocate(slots() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (FunctionSpec f : functions()) {
            int base = layout.get(f.name());
            out.put(base * 8, f.code());
            for (Reference r : f.references()) {
                int at = (base + r.insnIndex()) * 8;
                switch (r) {
                    case Reference.MapFd m -> markLoad(out, at, Pseudo.MAP_FD, 0);
                    case Reference.MapValue v -> markLoad(out, at, Pseudo.MAP_VALUE, v.offset());
                    case Reference.Call c -> {
                        Integer target = layout.get(c.function());
                        out.putInt(at + 4, target - (base + r.insnIndex()) - 1);
                    }
                    case Reference.FunctionAddress fa -> {
                        Integer target = layout.get(fa.function());
                        out.put(at + 1, (byte) ((out.get(at + 1) & 0x0f) | (Pseudo.FUNC << 4)));
                        out.putInt(at + 4, target - (base + r.insnIndex()) - 1);
                        out.putInt(at + 12, 0);
                    }
                    case Reference.Extern e -> {
                        if (e.kconfig()) {
                            // a load from the .kconfig map's value, whose place the loader decides
                            markLoad(out, at, Pseudo.MAP_VALUE, 0);
                        }
                        // other externs are left as the object has them: resolving them needs the running kernel
                    }
                }
            }
        }
        return out.array();
    }

    /** The linked program ({@link #linkedCode()}) decoded into instructions. */
    public List<Instruction> linkedInstructions() {
        return Instructions.decode(linkedCode());
    }

    /**
     * The program tag the running kernel will report after loading this program (when nothing at load changes
     * its instructions, as CO-RE relocations do): SHA-256 based from Linux 6.18 on, SHA-1 before, chosen from
     * the {@code os.version} the JVM read at start-up (SHA-1 when not on Linux).
     */
    public String tag() {
        return tag(runningKernelTagAlgorithm());
    }

    /** The program tag as a kernel using {@code algorithm} computes it. */
    public String tag(ProgramTag.Algorithm algorithm) {
        return ProgramTag.compute(linkedInstructions(), algorithm);
    }

    /** The tag algorithm of the kernel this JVM runs on. */
    public static ProgramTag.Algorithm runningKernelTagAlgorithm() {
        String release = System.getProperty("os.version", "");
        if (!"Linux".equals(System.getProperty("os.name")) || !release.matches("^\\d+\\.\\d+.*")) {
            return ProgramTag.Algorithm.SHA1;
        }
        return ProgramTag.Algorithm.forKernelRelease(release);
    }

    private static void markLoad(ByteBuffer code, int at, int pseudo, int secondImm) {
        code.put(at + 1, (byte) ((code.get(at + 1) & 0x0f) | (pseudo << 4)));
        code.putInt(at + 4, 0);
        code.putInt(at + 12, secondImm);
    }

    /** Every reference of the linked program, with instruction indexes relative to the linked program's start. */
    public List<Reference> linkedReferences() {
        Map<String, Integer> layout = layout();
        List<Reference> out = new ArrayList<>();
        for (FunctionSpec f : functions()) {
            int base = layout.get(f.name());
            for (Reference r : f.references()) {
                out.add(shift(r, base));
            }
        }
        return out;
    }

    private static Reference shift(Reference r, int base) {
        return switch (r) {
            case Reference.MapFd m -> new Reference.MapFd(m.insnIndex() + base, m.map());
            case Reference.MapValue v -> new Reference.MapValue(v.insnIndex() + base, v.map(), v.offset(), v.variable());
            case Reference.Call c -> new Reference.Call(c.insnIndex() + base, c.function(), c.section(), c.targetIndex());
            case Reference.FunctionAddress f ->
                    new Reference.FunctionAddress(f.insnIndex() + base, f.function(), f.section(), f.targetIndex());
            case Reference.Extern e -> new Reference.Extern(e.insnIndex() + base, e.symbol(), e.call(), e.kconfig());
        };
    }

    /** The maps the program uses, by object name, in order of first use. */
    public List<String> mapsUsed() {
        return linkedReferences().stream().map(r -> switch (r) {
            case Reference.MapFd m -> m.map();
            case Reference.MapValue v -> v.map();
            default -> null;
        }).filter(Objects::nonNull).distinct().toList();
    }

    /** True when the ({@code .s}) section asks for {@code BPF_F_SLEEPABLE}. */
    public boolean sleepable() {
        return section.section().sleepable();
    }

    /** True when the ({@code .frags}) section asks for {@code BPF_F_XDP_HAS_FRAGS}. */
    public boolean xdpFrags() {
        return section.section().frags();
    }
}
