package dev.ebpf4j.loader.kernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfLinkage;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.elf.ElfSymbol;

/**
 * An object's BTF made ready for {@code BPF_BTF_LOAD}: what the compiler leaves for the loader filled in, and
 * kinds the running kernel does not know replaced by ones it does, keeping every type id (func_info and map
 * definitions refer to them) and every string offset (line_info refers to them).
 *
 * <ul>
 *   <li>DATASEC sizes come from the ELF sections and variable offsets from the ELF symbols: clang writes 0 for
 *       both. Sections the file does not have (externs' {@code .kconfig} and {@code .ksyms}) get their variables
 *       laid out one after another, 8-byte aligned, as the loader lays out the map that will hold them.</li>
 *   <li>Extern variables become global ones: the kernel does not accept extern VARs.</li>
 *   <li>With {@link Features} saying what the kernel lacks: FLOAT becomes an empty struct of its size, DECL_TAG an
 *       int, TYPE_TAG a const, ENUM64 an empty union of its size, global FUNCs static ones, and VAR/DATASEC ints
 *       and structs (kernels before 5.2).</li>
 * </ul>
 */
public final class KernelBtf {
    private KernelBtf() {}

    /** The BTF kinds and flags the running kernel accepts. */
    public record Features(boolean datasec, boolean floatKind, boolean declTag, boolean typeTag, boolean enum64,
                           boolean globalFunc) {
        /** A kernel that knows everything (5.18 and later with ENUM64 from 6.0). */
        public static final Features ALL = new Features(true, true, true, true, true, true);
    }

    /** The object's BTF fixed up for a kernel with {@code features}; null when the object has no BTF. */
    public static Btf prepare(ObjectSpec object, Features features) {
        Btf btf = object.btf();
        if (btf == null) {
            return null;
        }
        List<BtfType> types = new ArrayList<>(btf.types().subList(btf.firstTypeId(), btf.typeCount()));
        for (int i = 0; i < types.size(); i++) {
            int id = btf.firstTypeId() + i;
            BtfType t = types.get(i);
            if (t instanceof BtfType.Datasec d) {
                types.set(i, fixDatasec(object, btf, id, d));
            } else if (t instanceof BtfType.Var v && v.linkage() == BtfLinkage.EXTERN) {
                types.set(i, new BtfType.Var(v.name(), v.type(), BtfLinkage.GLOBAL));
            }
        }
        for (int i = 0; i < types.size(); i++) {
            types.set(i, sanitize(btf, types.get(i), features, types, btf.firstTypeId()));
        }
        return btf.withTypes(types);
    }

    private static BtfType.Datasec fixDatasec(ObjectSpec object, Btf btf, int id, BtfType.Datasec d) {
        ElfSection section = object.elf().section(d.name()).orElse(null);
        if (section == null) {
            return layOutExterns(btf, d);
        }
        Map<String, Long> offsets = new HashMap<>();
        for (ElfSymbol s : object.elf().symbolsIn(section)) {
            if (s.type() == ElfSymbol.STT_OBJECT || s.type() == ElfSymbol.STT_NOTYPE) {
                offsets.putIfAbsent(s.name(), s.value());
            }
        }
        List<BtfType.VarSecinfo> vars = new ArrayList<>(d.vars().size());
        for (BtfType.VarSecinfo info : d.vars()) {
            String name = btf.name(info.type());
            Long off = offsets.get(name);
            if (off == null) {
                throw new BpfFormatException("BTF DATASEC '" + d.name() + "' (type " + id + "): variable '" + name
                        + "' has no symbol in " + section);
            }
            vars.add(new BtfType.VarSecinfo(info.type(), Math.toIntExact(off), info.size()));
        }
        vars.sort(Comparator.comparingInt(BtfType.VarSecinfo::offset));
        return new BtfType.Datasec(d.name(), Math.toIntExact(section.size()), vars);
    }

    /** Variables of a section the object does not have, laid out in declaration order, each 8-byte aligned. */
    static BtfType.Datasec layOutExterns(Btf btf, BtfType.Datasec d) {
        List<BtfType.VarSecinfo> vars = new ArrayList<>(d.vars().size());
        int offset = 0;
        for (BtfType.VarSecinfo info : d.vars()) {
            int size = info.size() != 0 ? info.size() : Math.toIntExact(btf.sizeOf(info.type()));
            offset = (offset + 7) & ~7;
            vars.add(new BtfType.VarSecinfo(info.type(), offset, size));
            offset += size;
        }
        return new BtfType.Datasec(d.name(), Math.max(offset, 1), vars);
    }

    private static BtfType sanitize(Btf btf, BtfType t, Features f, List<BtfType> types, int firstId) {
        return switch (t) {
            case BtfType.Float fl when !f.floatKind() -> new BtfType.Struct(fl.name(), fl.size(), false, List.of());
            case BtfType.DeclTag tag when !f.declTag() -> new BtfType.Int(tag.name(), 1, 0, 0, 8);
            case BtfType.TypeTag tag when !f.typeTag() -> new BtfType.Const("", tag.type());
            case BtfType.Enum64 e when !f.enum64() -> new BtfType.Union(e.name(), e.size(), false, List.of());
            case BtfType.Func fn when !f.globalFunc() && fn.linkage() == BtfLinkage.GLOBAL ->
                    new BtfType.Func(fn.name(), fn.type(), BtfLinkage.STATIC);
            case BtfType.Var v when !f.datasec() -> new BtfType.Int(v.name(), 1, 0, 0, 8);
            case BtfType.Datasec d when !f.datasec() -> {
                List<BtfType.Member> members = new ArrayList<>();
                for (BtfType.VarSecinfo info : d.vars()) {
                    BtfType.Var v = (BtfType.Var) btf.type(info.type());
                    members.add(new BtfType.Member(v.name(), v.type(), info.offset() * 8, 0));
                }
                yield new BtfType.Struct(d.name().replace('.', '_'), d.size(), false, members);
            }
            default -> t;
        };
    }
}
