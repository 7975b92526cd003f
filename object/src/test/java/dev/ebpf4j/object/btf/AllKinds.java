package dev.ebpf4j.object.btf;

import java.util.List;

import dev.ebpf4j.object.btf.BtfType.*;

/** A hand-built type list with every kind and flag the examples do not have (bitfields, ENUM64, tags, varargs ...). */
final class AllKinds {
    private AllKinds() {}

    static List<BtfType> types() {
        return List.of(
                /* 1 */ new Int("int", 4, Int.SIGNED, 0, 32),
                /* 2 */ new Int("char", 1, Int.CHAR, 0, 8),
                /* 3 */ new Ptr(4),
                /* 4 */ new Struct("node", 16, true, List.of(
                        new Member("next", 3, 0, 0),
                        new Member("flags", 1, 64, 3),
                        new Member("mode", 1, 67, 5),
                        new Member("", 5, 96, 0))),
                /* 5 */ new Union("", 4, false, List.of(new Member("a", 1, 0, 0), new Member("b", 23, 0, 0))),
                /* 6 */ new BtfType.Enum("sign", 4, true, List.of(new EnumValue("NEG", -1), new EnumValue("TWO", 2))),
                /* 7 */ new Enum64("big", 8, false, List.of(new EnumValue("ALL", -1L), new EnumValue("HIGH", 1L << 40))),
                /* 8 */ new Enum64("sbig", 8, true, List.of(new EnumValue("MINUS", -5L))),
                /* 9 */ new Fwd("later", true),
                /* 10 */ new Typedef("u64", 11),
                /* 11 */ new Int("unsigned long long", 8, 0, 0, 64),
                /* 12 */ new Volatile("", 1),
                /* 13 */ new Const("", 2),
                /* 14 */ new Restrict("", 3),
                /* 15 */ new FuncProto("", 1, List.of(new Param("x", 1), new Param("", 0))),
                /* 16 */ new Func("f", 15, BtfLinkage.GLOBAL),
                /* 17 */ new Var("v", 4, BtfLinkage.GLOBAL),
                /* 18 */ new Datasec(".data", 36, List.of(new VarSecinfo(17, 0, 16), new VarSecinfo(25, 16, 4))),
                /* 19 */ new BtfType.Float("double", 8),
                /* 20 */ new DeclTag("tag1", 4, 1, false),
                /* 21 */ new TypeTag("user", 1, false),
                /* 22 */ new Ptr(21),
                /* 23 */ new Array("", 2, 1, 4),
                /* 24 */ new Func("g", 15, BtfLinkage.STATIC),
                /* 25 */ new Var("w", 23, BtfLinkage.STATIC),
                /* 26 */ new DeclTag("tag2", 16, -1, false),
                /* 27 */ new Func("h", 15, BtfLinkage.EXTERN),
                /* 28 */ new Const("", 10),
                /* 29 */ new Array("", 28, 1, 3),
                /* 30 */ new BtfType.Enum("", 1, false, List.of(new EnumValue("BIGU", 0xffff_fff0L))),
                /* 31 */ new FuncProto("", 0, List.of()),
                /* 32 */ new Ptr(31),
                /* 33 */ new Var("ext", 1, BtfLinkage.EXTERN));
    }

    static Btf btf() {
        return Btf.of(types());
    }
}
