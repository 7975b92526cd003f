package dev.ebpf4j.vm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;

/**
 * A piece of kernel memory the caller gives the VM, since the VM has no kernel of its own: the current task
 * ({@code bpf_get_current_task}, {@link VmOptions#withCurrentTask}) or the variable behind a typed ksym
 * ({@link VmOptions#withKsym}). Its bytes are laid out as the target BTF lays the type out, so CO-RE programs
 * relocated against that BTF read the values put in them; pointer fields may point at other kernel structs, and the
 * VM writes their addresses when it maps them. Programs can read it ({@code probe_read_kernel}, loads through
 * {@code bpf_get_current_task_btf}) but not write it.
 *
 * <pre>{@code
 * Btf vmlinux = Btf.parse(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")));
 * KernelStruct parent = KernelStruct.builder(vmlinux, "task_struct").set("tgid", 1).set("comm", "systemd").build();
 * KernelStruct task = KernelStruct.builder(vmlinux, "task_struct").set("pid", 4242).set("tgid", 4242)
 *         .set("comm", "bash").pointer("real_parent", parent).build();
 * VmOptions options = VmOptions.defaults().withTargetBtf(vmlinux).withCurrentTask(task);
 * }</pre>
 *
 * @param name     what it is, for error messages ({@code task_struct})
 * @param bytes    its contents (pointer fields are overwritten when the VM maps it)
 * @param pointers offset of each pointer field to the struct it points at
 */
public record KernelStruct(String name, byte[] bytes, Map<Integer, KernelStruct> pointers) {

    /**
     * Size of the zero-filled task the VM maps when the caller supplied none: larger than the {@code task_struct} of
     * any x86-64 or arm64 kernel configuration seen so far (about 9 to 14 KiB), so every field reads as 0 and
     * every pointer as NULL.
     */
    public static final int DEFAULT_TASK_SIZE = 16 * 1024;

    public KernelStruct {
        Objects.requireNonNull(name, "name");
        bytes = bytes.clone();
        pointers = Collections.unmodifiableMap(new LinkedHashMap<>(pointers));
        for (int off : pointers.keySet()) {
            if (off < 0 || off + 8 > bytes.length) {
                throw new IllegalArgumentException(name + ": pointer at offset " + off + " is outside its "
                        + bytes.length + " bytes");
            }
        }
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Raw bytes, no pointers. */
    public static KernelStruct of(String name, byte[] bytes) {
        return new KernelStruct(name, bytes, Map.of());
    }

    /** {@code size} zero bytes. */
    public static KernelStruct zeroed(String name, int size) {
        return new KernelStruct(name, new byte[size], Map.of());
    }

    /** The default current task: {@link #DEFAULT_TASK_SIZE} zero bytes. */
    public static KernelStruct zeroTask() {
        return zeroed("task_struct", DEFAULT_TASK_SIZE);
    }

    /** A builder for a struct or union named {@code type} in {@code btf}, all bytes zero. */
    public static Builder builder(Btf btf, String type) {
        return new Builder(btf, type);
    }

    /** Fills a struct's bytes by field path ({@code pid}, {@code se.vruntime}, {@code comm}, {@code cpus[1]}). */
    public static final class Builder {
        private final Btf btf;
        private final String typeName;
        private final int typeId;
        private final byte[] bytes;
        private final Map<Integer, KernelStruct> pointers = new LinkedHashMap<>();

        private Builder(Btf btf, String type) {
            this.btf = Objects.requireNonNull(btf, "btf");
            this.typeName = type;
            int id = -1;
            for (int candidate : btf.findByName(type)) {
                if (btf.type(candidate) instanceof BtfType.Composite c && c.size() > 0) {
                    id = candidate;
                    break;
                }
            }
            if (id < 0) {
                throw new IllegalArgumentException("the BTF has no struct or union named '" + type + "'");
            }
            this.typeId = id;
            this.bytes = new byte[(int) btf.sizeOf(id)];
        }

        /** Where a field is: byte offset from the start of the struct and the field's type id. */
        public record Field(String path, int offset, int type) {
        }

        /** The offset and type of {@code path} (members separated by '.', array elements as {@code name[i]}). */
        public Field field(String path) {
            int off = 0;
            int type = typeId;
            for (String part : path.split("\\.")) {
                int index = -1;
                String member = part;
                int bracket = part.indexOf('[');
                if (bracket >= 0 && part.endsWith("]")) {
                    member = part.substring(0, bracket);
                    index = Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
                }
                int[] found = member(type, member, path);
                off += found[0];
                type = found[1];
                if (index >= 0) {
                    if (!(btf.resolvedType(type) instanceof BtfType.Array a)) {
                        throw new IllegalArgumentException(typeName + "." + path + ": '" + member + "' is not an array");
                    }
                    if (index >= a.count()) {
                        throw new IllegalArgumentException(typeName + "." + path + ": index " + index
                                + " is outside " + member + "[" + a.count() + "]");
                    }
                    type = a.elementType();
                    off += (int) (index * btf.sizeOf(type));
                }
            }
            return new Field(path, off, type);
        }

        /** {@code [byte offset, type id]} of {@code name} in the composite {@code type}, looking into anonymous members. */
        private int[] member(int type, String name, String path) {
            if (!(btf.resolvedType(type) instanceof BtfType.Composite c)) {
                throw new IllegalArgumentException(typeName + "." + path + ": '" + name + "' is looked up in "
                        + btf.describe(type) + ", which is not a struct or union");
            }
            for (BtfType.Member m : c.members()) {
                if (m.name().equals(name)) {
                    if (m.isBitfield()) {
                        throw new IllegalArgumentException(typeName + "." + path + ": '" + name
                                + "' is a bitfield, which this builder does not fill");
                    }
                    return new int[] {m.byteOffset(), m.type()};
                }
            }
            for (BtfType.Member m : c.members()) {
                if (m.name().isEmpty() && btf.resolvedType(m.type()) instanceof BtfType.Composite) {
                    try {
                        int[] inner = member(m.type(), name, path);
                        return new int[] {m.byteOffset() + inner[0], inner[1]};
                    } catch (IllegalArgumentException notThere) {
                        // try the next anonymous member
                    }
                }
            }
            throw new IllegalArgumentException(typeName + "." + path + ": " + btf.describe(type) + " has no member '"
                    + name + "'");
        }

        /** An integer, enum or pointer-sized field, little-endian, truncated to the field's size. */
        public Builder set(String path, long value) {
            Field f = field(path);
            BtfType t = btf.resolvedType(f.type());
            if (!(t instanceof BtfType.Int || t instanceof BtfType.Enumeration || t instanceof BtfType.Ptr)) {
                throw new IllegalArgumentException(typeName + "." + path + " is " + btf.describe(f.type())
                        + ", not an integer");
            }
            int size = (int) btf.sizeOf(f.type());
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
            System.arraycopy(b.array(), 0, bytes, f.offset(), size);
            pointers.remove(f.offset());
            return this;
        }

        /** A char array: the string's UTF-8 bytes, cut to leave room for the NUL, zero-padded. */
        public Builder set(String path, String value) {
            Field f = field(path);
            if (!(btf.resolvedType(f.type()) instanceof BtfType.Array)) {
                throw new IllegalArgumentException(typeName + "." + path + " is " + btf.describe(f.type())
                        + ", not a char array");
            }
            int size = (int) btf.sizeOf(f.type());
            byte[] s = value.getBytes(StandardCharsets.UTF_8);
            java.util.Arrays.fill(bytes, f.offset(), f.offset() + size, (byte) 0);
            System.arraycopy(s, 0, bytes, f.offset(), Math.min(s.length, size - 1));
            return this;
        }

        /** Raw bytes at a field (at most the field's size). */
        public Builder setBytes(String path, byte[] value) {
            Field f = field(path);
            int size = (int) btf.sizeOf(f.type());
            if (value.length > size) {
                throw new IllegalArgumentException(typeName + "." + path + " has " + size + " bytes, not "
                        + value.length);
            }
            System.arraycopy(value, 0, bytes, f.offset(), value.length);
            return this;
        }

        /** A pointer field that points at {@code target} once the VM maps both. */
        public Builder pointer(String path, KernelStruct target) {
            Field f = field(path);
            if (!(btf.resolvedType(f.type()) instanceof BtfType.Ptr)) {
                throw new IllegalArgumentException(typeName + "." + path + " is " + btf.describe(f.type())
                        + ", not a pointer");
            }
            pointers.put(f.offset(), Objects.requireNonNull(target, "target"));
            return this;
        }

        public KernelStruct build() {
            return new KernelStruct(typeName, bytes, pointers);
        }
    }

    /** Every struct reachable from this one through pointers, this one first (each once). */
    public List<KernelStruct> reachable() {
        List<KernelStruct> out = new ArrayList<>();
        java.util.IdentityHashMap<KernelStruct, Boolean> seen = new java.util.IdentityHashMap<>();
        java.util.ArrayDeque<KernelStruct> todo = new java.util.ArrayDeque<>();
        todo.add(this);
        while (!todo.isEmpty()) {
            KernelStruct s = todo.poll();
            if (seen.put(s, Boolean.TRUE) == null) {
                out.add(s);
                todo.addAll(s.pointers.values());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name + "(" + bytes.length + " bytes" + (pointers.isEmpty() ? "" : ", pointers at " + pointers.keySet())
                + ")";
    }
}
