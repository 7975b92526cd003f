package dev.ebpf4j.object.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.btf.CoreRelocationKind;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Opcode;

/**
 * Applies CO-RE relocations: each record names an instruction, a type of the object's own ("local") BTF and an
 * access path into it ({@code 0:1} = field 1 of the struct the pointer points at); the relocator finds the same
 * type and fields by name in the target BTF (the running kernel's {@code /sys/kernel/btf/vmlinux}) and rewrites
 * the instruction's immediate or offset with the target's value, as libbpf does.
 *
 * <p>A relocation whose field or type the target lacks is resolved to 0 for the {@code *_EXISTS} kinds; for the
 * others the instruction is "poisoned" the way libbpf does it, replaced by a call to helper {@link #POISON_HELPER},
 * so a program that guards the access with {@code bpf_core_field_exists()} still loads, and one that does not is
 * refused by the verifier at that instruction; {@link Outcome#error()} says which type and field was missing.
 *
 * <p>Target candidates are the target types with the local type's essential name (the name without a
 * {@code ___flavor} suffix) and a compatible kind. Two candidates that give different values are an error.
 */
public final class CoreRelocator {
    /** The helper id libbpf calls in a poisoned instruction: the verifier reports it as an unknown function. */
    public static final int POISON_HELPER = 0xbad2310;

    private final Btf local;
    private final Btf target;

    public CoreRelocator(Btf local, Btf target) {
        this.local = Objects.requireNonNull(local, "local");
        this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * One relocation's result.
     *
     * @param index     the record's position in the program's list
     * @param slot      the instruction slot it patches
     * @param kind      what was asked
     * @param local     the local access, e.g. {@code struct task_struct.tgid (0:1 @ offset 4)}
     * @param target    the matching target access, or null when nothing matched
     * @param oldValue  the value the instruction held
     * @param newValue  the value written (meaningless when poisoned)
     * @param poisoned  true when the instruction was replaced by a call to {@link #POISON_HELPER}
     * @param error     why the relocation failed, or null
     */
    public record Outcome(int index, int slot, CoreRelocationKind kind, String local, String target, long oldValue,
                          long newValue, boolean poisoned, String error) {
        @Override
        public String toString() {
            return "relo #" + index + ": <" + kind.label() + "> " + local + " -> "
                    + (error != null ? "failed: " + error : target + ": insn #" + slot + " " + oldValue + " -> " + newValue);
        }
    }

    /** The relocated instructions and what happened to each record. */
    public record Result(List<Instruction> instructions, List<Outcome> outcomes) {
        public Result {
            instructions = List.copyOf(instructions);
            outcomes = List.copyOf(outcomes);
        }

        /** The failed relocations (poisoned instructions). */
        public List<Outcome> failures() {
            return outcomes.stream().filter(o -> o.error() != null).toList();
        }
    }

    /**
     * Relocates {@code instructions} (a linked program) by {@code relocations} (the program's linked records,
     * {@code insnOff} in bytes of the linked program).
     */
    public Result relocate(List<Instruction> instructions, List<BtfExt.CoreRelocation> relocations) {
        List<Instruction> out = new ArrayList<>(instructions);
        List<Outcome> outcomes = new ArrayList<>(relocations.size());
        for (int i = 0; i < relocations.size(); i++) {
            BtfExt.CoreRelocation r = relocations.get(i);
            int slot = r.insnOff() / Instructions.SLOT_SIZE;
            int at = Instructions.indexOfSlot(out, slot);
            if (at < 0) {
                throw new BpfFormatException("CO-RE relocation #" + i + " names insn slot " + slot
                        + ", which is not the start of an instruction");
            }
            Instruction insn = out.get(at);
            Values v = resolve(r);
            long old = currentValue(insn, r, i, slot);
            if (v.error() != null) {
                out.set(at, Instruction.callHelper(POISON_HELPER));
                if (insn.isLoadImm64()) {
                    out.add(at + 1, Instruction.callHelper(POISON_HELPER)); // both slots, as libbpf does
                }
                outcomes.add(new Outcome(i, slot, r.kind(), v.localDesc(), null, old, old, true, v.error()));
                continue;
            }
            if (old != v.local() && !(r.kind() == CoreRelocationKind.TYPE_ID_LOCAL || r.kind() == CoreRelocationKind.TYPE_ID_TARGET)) {
                throw new BpfFormatException("CO-RE relocation #" + i + " (" + v.localDesc() + "): insn #" + slot
                        + " holds " + old + " where the object's BTF says " + v.local());
            }
            out.set(at, patch(insn, v.target(), v.targetSize(), i, slot, r.kind()));
            outcomes.add(new Outcome(i, slot, r.kind(), v.localDesc(), v.targetDesc(), old, v.target(), false, null));
        }
        return new Result(out, outcomes);
    }

    // ---------------------------------------------------------------- resolution

    /** Local and target values of one record; {@code error} set when the target lacks what is asked. */
    private record Values(long local, long target, int targetSize, String localDesc, String targetDesc, String error) {}

    private Values resolve(BtfExt.CoreRelocation r) {
        CoreRelocationKind kind = r.kind();
        int[] access = r.accessIndices();
        int localRoot = local.resolve(r.typeId());
        String rootDesc = "[" + r.typeId() + "] " + local.describe(localRoot);
        if (kind == CoreRelocationKind.TYPE_ID_LOCAL) {
            return new Values(r.typeId(), r.typeId(), 0, rootDesc, rootDesc, null);
        }
        if (kind.isTypeBased()) {
            List<Integer> candidates = candidates(localRoot);
            if (candidates.isEmpty()) {
                return kind == CoreRelocationKind.TYPE_EXISTS || kind == CoreRelocationKind.TYPE_MATCHES
                        ? new Values(1, 0, 0, rootDesc, "(none)", null)
                        : new Values(typeValue(local, localRoot, r.typeId(), kind), 0, 0, rootDesc, null,
                        "no type " + local.describe(localRoot) + " in the target BTF");
            }
            int t = candidates.get(0);
            return new Values(typeValue(local, localRoot, r.typeId(), kind), typeValue(target, t, t, kind), 0, rootDesc,
                    "[" + t + "] " + target.describe(t), null);
        }
        if (kind.isEnumValueBased()) {
            if (!(local.type(localRoot) instanceof BtfType.Enumeration e) || access.length != 1
                    || access[0] < 0 || access[0] >= e.values().size()) {
                throw new BpfFormatException("CO-RE " + kind + " relocation on " + rootDesc + " with access "
                        + r.accessString() + " does not name an enumerator");
            }
            BtfType.EnumValue lv = e.values().get(access[0]);
            String desc = rootDesc + "::" + lv.name() + " = " + lv.value();
            long localValue = kind == CoreRelocationKind.ENUMVAL_EXISTS ? 1 : lv.value();
            for (int c : candidates(localRoot)) {
                if (target.type(c) instanceof BtfType.Enumeration te) {
                    for (BtfType.EnumValue tv : te.values()) {
                        if (essential(tv.name()).equals(essential(lv.name()))) {
                            return new Values(localValue, kind == CoreRelocationKind.ENUMVAL_EXISTS ? 1 : tv.value(), 0, desc,
                                    "[" + c + "] " + target.describe(c) + "::" + tv.name() + " = " + tv.value(), null);
                        }
                    }
                }
            }
            return kind == CoreRelocationKind.ENUMVAL_EXISTS ? new Values(1, 0, 0, desc, "(none)", null)
                    : new Values(localValue, 0, 0, desc, null, "no enumerator " + lv.name() + " of "
                    + local.describe(localRoot) + " in the target BTF");
        }
        Field lf = localField(localRoot, access);
        String desc = rootDesc + lf.path() + " (" + r.accessString() + " @ offset " + lf.bitOffset() / 8 + ")";
        long localValue = fieldValue(lf, kind);
        Field found = null;
        String foundDesc = null;
        for (int c : candidates(localRoot)) {
            Field tf = targetField(c, lf, access[0]);
            if (tf == null) {
                continue;
            }
            long value = fieldValue(tf, kind);
            if (found != null && fieldValue(found, kind) != value) {
                return new Values(localValue, 0, 0, desc, null, "ambiguous: " + foundDesc + " and [" + c + "] "
                        + target.describe(c) + tf.path() + " give different values");
            }
            if (found == null) {
                found = tf;
                foundDesc = "[" + c + "] " + target.describe(c) + tf.path() + " (" + tf.accessString() + " @ offset "
                        + tf.bitOffset() / 8 + ")";
            }
        }
        if (found == null) {
            return kind == CoreRelocationKind.FIELD_EXISTS ? new Values(1, 0, 0, desc, "(none)", null)
                    : new Values(localValue, 0, 0, desc, null, "no field " + local.describe(localRoot) + lf.path()
                    + " in the target BTF");
        }
        return new Values(localValue, fieldValue(found, kind), (int) found.size(), desc, foundDesc, null);
    }

    private long typeValue(Btf btf, int resolvedId, int id, CoreRelocationKind kind) {
        return switch (kind) {
            case TYPE_EXISTS, TYPE_MATCHES -> 1;
            case TYPE_SIZE -> btf.sizeOf(resolvedId);
            case TYPE_ID_TARGET, TYPE_ID_LOCAL -> id;
            default -> throw new IllegalArgumentException(kind.toString());
        };
    }

    /**
     * A field reached by an access path.
     *
     * @param steps        the path: member names ("" for an anonymous member) and array indexes
     * @param bitOffset    from the start of the root object
     * @param size         the field's byte size
     * @param bitfieldSize bits of a bitfield, 0 otherwise
     * @param signed       the field is a signed integer or enum
     */
    private record Field(List<Step> steps, String path, String accessString, long bitOffset, long size,
                         int bitfieldSize, boolean signed, int typeId) {}

    /** One step of an access path: into a member (by name; "" = anonymous) or an array element. */
    private record Step(String member, int index) {
        boolean isMember() {
            return member != null;
        }
    }

    /** Follows {@code access} from {@code root} in the local BTF, by index. */
    private Field localField(int root, int[] access) {
        if (access.length == 0) {
            throw new BpfFormatException("CO-RE field relocation with an empty access string");
        }
        long bitOffset = (long) access[0] * local.sizeOf(root) * 8;
        int current = root;
        int bitfield = 0;
        List<Step> steps = new ArrayList<>();
        for (int k = 1; k < access.length; k++) {
            BtfType t = local.type(local.resolve(current));
            if (t instanceof BtfType.Composite c) {
                if (access[k] < 0 || access[k] >= c.members().size()) {
                    throw new BpfFormatException("CO-RE access " + access[k] + " is past the " + c.members().size()
                            + " members of " + local.describe(current));
                }
                BtfType.Member m = c.members().get(access[k]);
                bitOffset += m.bitOffset();
                bitfield = m.bitfieldSize();
                current = m.type();
                steps.add(new Step(m.name(), access[k]));
            } else if (t instanceof BtfType.Array a) {
                bitOffset += (long) access[k] * local.sizeOf(a.elementType()) * 8;
                current = a.elementType();
                bitfield = 0;
                steps.add(new Step(null, access[k]));
            } else {
                throw new BpfFormatException("CO-RE access " + access[k] + " into " + local.describe(current)
                        + ", which is neither a struct, a union nor an array");
            }
        }
        return field(local, steps, access[0], bitOffset, bitfield, current);
    }

    /** Follows the local path's names and indexes from {@code root} in the target BTF; null when it does not fit. */
    private Field targetField(int root, Field like, int firstIndex) {
        long bitOffset = (long) firstIndex * target.sizeOf(root) * 8;
        int current = root;
        int bitfield = 0;
        List<Step> steps = new ArrayList<>();
        for (Step step : like.steps()) {
            BtfType t = target.type(target.resolve(current));
            if (step.isMember()) {
                if (step.member().isEmpty()) {
                    continue; // anonymous: the next named member is searched through anonymous members
                }
                MemberHit hit = findMember(target, target.resolve(current), step.member(), 0,
                        new int[] {MAX_SEARCHED_COMPOSITES});
                if (hit == null) {
                    return null;
                }
                bitOffset += hit.bitOffset();
                bitfield = hit.member().bitfieldSize();
                current = hit.member().type();
                steps.add(new Step(hit.member().name(), hit.index()));
            } else {
                if (!(t instanceof BtfType.Array a)
                        || (a.count() != 0 && Integer.toUnsignedLong(step.index()) >= Integer.toUnsignedLong(a.count()))) {
                    return null;
                }
                bitOffset += (long) step.index() * target.sizeOf(a.elementType()) * 8;
                current = a.elementType();
                bitfield = 0;
                steps.add(step);
            }
        }
        if (!compatible(local, like.typeId(), target, current)) {
            return null;
        }
        return field(target, steps, firstIndex, bitOffset, bitfield, current);
    }

    private static Field field(Btf btf, List<Step> steps, int first, long bitOffset, int bitfield, int typeId) {
        StringBuilder path = new StringBuilder();
        StringBuilder access = new StringBuilder().append(first);
        for (Step s : steps) {
            if (s.isMember()) {
                if (!s.member().isEmpty()) {
                    path.append('.').append(s.member());
                }
            } else {
                path.append('[').append(s.index()).append(']');
            }
            access.append(':').append(s.index());
        }
        BtfType leaf = btf.type(btf.resolve(typeId));
        boolean signed = leaf instanceof BtfType.Int i ? (i.encoding() & 1) != 0
                : leaf instanceof BtfType.Enumeration e && e.signed();
        return new Field(List.copyOf(steps), path.toString(), access.toString(), bitOffset, btf.sizeOf(typeId), bitfield,
                signed, typeId);
    }

    private record MemberHit(BtfType.Member member, long bitOffset, int index) {}

    /**
     * Structs and unions one member search looks into at most: anonymous members that each hold two anonymous
     * members of the next type would otherwise make it visit 2^32.
     */
    private static final int MAX_SEARCHED_COMPOSITES = 4096;

    /**
     * Finds member {@code name} in a struct or union, looking inside anonymous members as C does; {@code left[0]}
     * counts down the structs and unions the search may still look into.
     */
    private MemberHit findMember(Btf btf, int compositeId, String name, int depth, int[] left) {
        if (depth > 32 || --left[0] < 0 || !(btf.type(compositeId) instanceof BtfType.Composite c)) {
            return null;
        }
        List<BtfType.Member> members = c.members();
        for (int i = 0; i < members.size(); i++) {
            BtfType.Member m = members.get(i);
            if (essential(m.name()).equals(essential(name)) && !m.name().isEmpty()) {
                return new MemberHit(m, m.bitOffset(), i);
            }
        }
        for (int i = 0; i < members.size(); i++) {
            BtfType.Member m = members.get(i);
            if (m.name().isEmpty()) {
                MemberHit inner = findMember(btf, btf.resolve(m.type()), name, depth + 1, left);
                if (inner != null) {
                    return new MemberHit(inner.member(), m.bitOffset() + inner.bitOffset(), inner.index());
                }
            }
        }
        return null;
    }

    /** libbpf's field compatibility: same kind family; pointers match pointers; ints and enums match each other. */
    private static boolean compatible(Btf localBtf, int localId, Btf targetBtf, int targetId) {
        BtfType l = localBtf.type(localBtf.resolve(localId));
        BtfType t = targetBtf.type(targetBtf.resolve(targetId));
        return switch (l) {
            case BtfType.Composite c -> t instanceof BtfType.Composite tc && c.getClass() == tc.getClass();
            case BtfType.Ptr p -> t instanceof BtfType.Ptr;
            case BtfType.Int i -> t instanceof BtfType.Int || t instanceof BtfType.Enumeration;
            case BtfType.Enumeration e -> t instanceof BtfType.Int || t instanceof BtfType.Enumeration;
            case BtfType.Float f -> t instanceof BtfType.Float;
            case BtfType.Array a -> t instanceof BtfType.Array ta
                    && compatible(localBtf, a.elementType(), targetBtf, ta.elementType());
            case BtfType.Fwd f -> t instanceof BtfType.Composite || t instanceof BtfType.Fwd;
            default -> l.kind() == t.kind();
        };
    }

    /** Target types with the local type's essential name and a kind that can match it. */
    private List<Integer> candidates(int localId) {
        BtfType l = local.type(localId);
        String name = essential(l.name());
        if (name.isEmpty()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (int id : targetByName(name)) {
            BtfType t = target.type(id);
            boolean kindOk = switch (l) {
                case BtfType.Struct s -> t instanceof BtfType.Struct;
                case BtfType.Union u -> t instanceof BtfType.Union;
                case BtfType.Enumeration e -> t instanceof BtfType.Enumeration;
                case BtfType.Fwd f -> t instanceof BtfType.Composite || t instanceof BtfType.Fwd;
                default -> t.kind() == l.kind();
            };
            if (kindOk) {
                out.add(id);
            }
        }
        return out;
    }

    private final Map<String, List<Integer>> byName = new HashMap<>();

    private List<Integer> targetByName(String name) {
        return byName.computeIfAbsent(name, target::findByName);
    }

    /** The name without a {@code ___flavor} suffix, as CO-RE matches names. */
    static String essential(String name) {
        int at = name.indexOf("___");
        return at > 0 ? name.substring(0, at) : name;
    }

    /** libbpf's field values: byte offset and size of the load, and the shifts that extract a bitfield. */
    private static long fieldValue(Field f, CoreRelocationKind kind) {
        long bitOff = f.bitOffset();
        long byteSize = f.size();
        long bitSize = f.bitfieldSize() != 0 ? f.bitfieldSize() : byteSize * 8;
        long byteOff;
        if (f.bitfieldSize() != 0) {
            byteOff = bitOff / 8 / byteSize * byteSize;
            while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
                if (byteSize >= 8) {
                    throw new BpfFormatException("CO-RE: bitfield " + f.path() + " does not fit in 8 bytes");
                }
                byteSize *= 2;
                byteOff = bitOff / 8 / byteSize * byteSize;
            }
        } else {
            byteOff = bitOff / 8;
        }
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> byteOff;
            case FIELD_BYTE_SIZE -> byteSize;
            case FIELD_EXISTS -> 1;
            case FIELD_SIGNED -> f.signed() ? 1 : 0;
            case FIELD_LSHIFT_U64 -> 64 - (bitOff + bitSize - byteOff * 8);
            case FIELD_RSHIFT_U64 -> 64 - bitSize;
            default -> throw new IllegalArgumentException(kind.toString());
        };
    }

    // ---------------------------------------------------------------- patching

    private static long currentValue(Instruction insn, BtfExt.CoreRelocation r, int index, int slot) {
        if (insn.isLoadImm64()) {
            return insn.imm64();
        }
        int cls = Opcode.cls(insn.opcode());
        if ((cls == Opcode.ALU || cls == Opcode.ALU64) && Opcode.source(insn.opcode()) == Opcode.K) {
            return insn.imm();
        }
        if (cls == Opcode.LDX || cls == Opcode.ST || cls == Opcode.STX) {
            return insn.off();
        }
        throw new BpfFormatException("CO-RE relocation #" + index + " on insn #" + slot + " (opcode 0x"
                + Integer.toHexString(insn.opcode()) + "), which has no immediate or offset to patch");
    }

    private static Instruction patch(Instruction insn, long value, int targetSize, int index, int slot,
                                     CoreRelocationKind kind) {
        if (insn.isLoadImm64()) {
            return insn.withImm64(value);
        }
        int cls = Opcode.cls(insn.opcode());
        if (cls == Opcode.ALU || cls == Opcode.ALU64) {
            if (value != (int) value) {
                throw new BpfFormatException("CO-RE relocation #" + index + ": value " + value + " does not fit the"
                        + " 32-bit immediate of insn #" + slot);
            }
            return insn.withImm((int) value);
        }
        if (value != (short) value) {
            throw new BpfFormatException("CO-RE relocation #" + index + ": offset " + value + " does not fit the 16-bit"
                    + " offset of insn #" + slot);
        }
        Instruction patched = insn.withOff((short) value);
        if (kind == CoreRelocationKind.FIELD_BYTE_OFFSET && cls == Opcode.LDX && targetSize > 0
                && targetSize != Opcode.sizeBytes(insn.opcode())) {
            int size = switch (targetSize) {
                case 1 -> Opcode.B;
                case 2 -> Opcode.H;
                case 4 -> Opcode.W;
                case 8 -> Opcode.DW;
                default -> throw new BpfFormatException("CO-RE relocation #" + index + ": the target field is "
                        + targetSize + " bytes, which insn #" + slot + " cannot load");
            };
            patched = patched.withOpcode((insn.opcode() & ~0x18) | size);
        }
        return patched;
    }
}
