package dev.ebpf4j.object.btf;

import java.util.List;
import java.util.Objects;

/**
 * One BTF type, one record per kind. Records refer to other types by type id (an {@code int};
 * 0 is {@code void}) and do not know their own id: {@link Btf#type(int)} maps ids to records.
 *
 * <p>Names are decoded strings; an anonymous type has the empty name. Fields the kernel defines as
 * unsigned 32-bit ({@code size}, array {@code count}, datasec offsets) are held in {@code int}s and
 * must be read with {@link Integer#toUnsignedLong(int)} when they may exceed 2^31.
 */
public sealed interface BtfType {

    /** The type's name, or {@code ""} when it is anonymous. */
    String name();

    /** The kind of this type. */
    BtfKind kind();

    /** A type whose only payload is a reference to another type: PTR, TYPEDEF, the qualifiers, TYPE_TAG. */
    sealed interface Reference extends BtfType permits Ptr, Typedef, Volatile, Const, Restrict, TypeTag {
        /** The id of the referenced type. */
        int type();
    }

    /** STRUCT or UNION. */
    sealed interface Composite extends BtfType permits Struct, Union {
        /** Size in bytes. */
        int size();

        /**
         * The kind_flag: when set, each member's offset word holds a bitfield size in its top 8 bits
         * and the bit offset in the low 24 bits.
         */
        boolean bitfieldEncoding();

        List<Member> members();
    }

    /** ENUM or ENUM64. */
    sealed interface Enumeration extends BtfType permits Enum, Enum64 {
        /** Size in bytes. */
        int size();

        /** The kind_flag: values are signed. */
        boolean signed();

        List<EnumValue> values();
    }

    /** id 0. */
    record Void() implements BtfType {
        public static final Void INSTANCE = new Void();

        @Override
        public String name() {
            return "";
        }

        @Override
        public BtfKind kind() {
            return BtfKind.VOID;
        }
    }

    /**
     * An integer type. {@code encoding} is the raw 4-bit field ({@link #SIGNED}, {@link #CHAR},
     * {@link #BOOL}); {@code bitOffset} and {@code bits} are the bit offset and width inside
     * {@code size} bytes.
     */
    record Int(String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1;
        public static final int CHAR = 2;
        public static final int BOOL = 4;

        public Int {
            Objects.requireNonNull(name, "name");
        }

        public boolean isSigned() {
            return (encoding & SIGNED) != 0;
        }

        public boolean isChar() {
            return (encoding & CHAR) != 0;
        }

        public boolean isBool() {
            return (encoding & BOOL) != 0;
        }

        @Override
        public BtfKind kind() {
            return BtfKind.INT;
        }
    }

    record Ptr(String name, int type) implements Reference {
        public Ptr(int type) {
            this("", type);
        }

        public Ptr {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.PTR;
        }
    }

    /** An array of {@code count} (unsigned) elements of {@code elementType}, indexed by {@code indexType}. */
    record Array(String name, int elementType, int indexType, int count) implements BtfType {
        public Array {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.ARRAY;
        }
    }

    /** A struct/union member; {@code bitOffset} from the start of the enclosing type, {@code bitfieldSize} 0 when not a bitfield. */
    record Member(String name, int type, int bitOffset, int bitfieldSize) {
        public Member {
            Objects.requireNonNull(name, "name");
        }

        /** The byte offset of the member (bit offset / 8, rounded down). */
        public int byteOffset() {
            return Integer.divideUnsigned(bitOffset, 8);
        }

        public boolean isBitfield() {
            return bitfieldSize != 0;
        }
    }

    record Struct(String name, int size, boolean bitfieldEncoding, List<Member> members) implements Composite {
        public Struct {
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
        }

        @Override
        public BtfKind kind() {
            return BtfKind.STRUCT;
        }
    }

    record Union(String name, int size, boolean bitfieldEncoding, List<Member> members) implements Composite {
        public Union {
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
        }

        @Override
        public BtfKind kind() {
            return BtfKind.UNION;
        }
    }

    /**
     * An enumerator. For a signed enumeration {@code value} is sign-extended; for an unsigned one it is
     * the raw bits (zero-extended for ENUM, all 64 bits for ENUM64: use
     * {@link Long#toUnsignedString(long)}).
     */
    record EnumValue(String name, long value) {
        public EnumValue {
            Objects.requireNonNull(name, "name");
        }
    }

    /** ENUM: 32-bit enumerator values. */
    record Enum(String name, int size, boolean signed, List<EnumValue> values) implements Enumeration {
        public Enum {
            Objects.requireNonNull(name, "name");
            values = List.copyOf(values);
        }

        @Override
        public BtfKind kind() {
            return BtfKind.ENUM;
        }
    }

    /** ENUM64: 64-bit enumerator values. */
    record Enum64(String name, int size, boolean signed, List<EnumValue> values) implements Enumeration {
        public Enum64 {
            Objects.requireNonNull(name, "name");
            values = List.copyOf(values);
        }

        @Override
        public BtfKind kind() {
            return BtfKind.ENUM64;
        }
    }

    /** A forward declaration of a struct ({@code union == false}) or union. */
    record Fwd(String name, boolean union) implements BtfType {
        public Fwd {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.FWD;
        }
    }

    record Typedef(String name, int type) implements Reference {
        public Typedef {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.TYPEDEF;
        }
    }

    record Volatile(String name, int type) implements Reference {
        public Volatile {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.VOLATILE;
        }
    }

    record Const(String name, int type) implements Reference {
        public Const {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.CONST;
        }
    }

    record Restrict(String name, int type) implements Reference {
        public Restrict {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.RESTRICT;
        }
    }

    /** A function; {@code type} is its FUNC_PROTO. */
    record Func(String name, int type, BtfLinkage linkage) implements BtfType {
        public Func {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(linkage, "linkage");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.FUNC;
        }
    }

    /** A function parameter; the variadic marker is an anonymous parameter of type 0. */
    record Param(String name, int type) {
        public Param {
            Objects.requireNonNull(name, "name");
        }
    }

    record FuncProto(String name, int returnType, List<Param> params) implements BtfType {
        public FuncProto {
            Objects.requireNonNull(name, "name");
            params = List.copyOf(params);
        }

        /** True when the last parameter is the {@code ...} marker (no name, type 0). */
        public boolean variadic() {
            if (params.isEmpty()) {
                return false;
            }
            Param last = params.getLast();
            return last.type() == 0 && last.name().isEmpty();
        }

        /** The parameters without the variadic marker. */
        public List<Param> fixedParams() {
            return variadic() ? params.subList(0, params.size() - 1) : params;
        }

        @Override
        public BtfKind kind() {
            return BtfKind.FUNC_PROTO;
        }
    }

    /** A global or static variable of {@code type}. */
    record Var(String name, int type, BtfLinkage linkage) implements BtfType {
        public Var {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(linkage, "linkage");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.VAR;
        }
    }

    /** A variable's (or function's) place in a data section: offset and size in bytes, unsigned. */
    record VarSecinfo(int type, int offset, int size) {}

    record Datasec(String name, int size, List<VarSecinfo> vars) implements BtfType {
        public Datasec {
            Objects.requireNonNull(name, "name");
            vars = List.copyOf(vars);
        }

        @Override
        public BtfKind kind() {
            return BtfKind.DATASEC;
        }
    }

    record Float(String name, int size) implements BtfType {
        public Float {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.FLOAT;
        }
    }

    /**
     * A declaration tag {@code name} on {@code type}; {@code componentIdx} is -1 for the type itself or
     * the index of a member/parameter. {@code attribute} is the kind_flag (the tag is an attribute).
     */
    record DeclTag(String name, int type, int componentIdx, boolean attribute) implements BtfType {
        public DeclTag {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.DECL_TAG;
        }
    }

    /** A type tag {@code name} on {@code type}; {@code attribute} is the kind_flag. */
    record TypeTag(String name, int type, boolean attribute) implements Reference {
        public TypeTag {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public BtfKind kind() {
            return BtfKind.TYPE_TAG;
        }
    }
}
