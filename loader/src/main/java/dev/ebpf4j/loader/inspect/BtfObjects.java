package dev.ebpf4j.loader.inspect;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.uapi.bpf_btf_info;
import dev.ebpf4j.object.btf.Btf;

/** The BTF objects loaded in the kernel: the kernel's own, modules', and those of programs and maps. */
public final class BtfObjects {
    /** Where the kernel publishes its own BTF. */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private volatile Btf vmlinux;

    BtfObjects() {}

    /** Every BTF object, in id order. */
    public List<BtfInfo> list() {
        List<BtfInfo> out = new ArrayList<>();
        OptionalInt next = Bpf.btfGetNextId(0);
        while (next.isPresent()) {
            byId(next.getAsInt()).ifPresent(out::add);
            next = Bpf.btfGetNextId(next.getAsInt());
        }
        return out;
    }

    /** The BTF object with this id, if there is one. */
    public Optional<BtfInfo> byId(int id) {
        try (Fd fd = Bpf.btfGetFdById(id); Arena arena = Arena.ofConfined()) {
            return Optional.of(read(fd, arena, false).info());
        } catch (BpfException e) {
            if (e.is(Errno.ENOENT)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The raw BTF bytes (header, types, strings) of object {@code id}, as the kernel returns them. */
    public byte[] raw(int id) {
        try (Fd fd = Bpf.btfGetFdById(id); Arena arena = Arena.ofConfined()) {
            return read(fd, arena, true).bytes();
        }
    }

    /**
     * BTF object {@code id}, parsed; a module's BTF is split BTF and is parsed on top of the kernel's
     * ({@link #vmlinux()}).
     */
    public Btf load(int id) {
        try (Fd fd = Bpf.btfGetFdById(id); Arena arena = Arena.ofConfined()) {
            Raw raw = read(fd, arena, true);
            if (raw.info().kernel() && !raw.info().name().equals("vmlinux")) {
                return Btf.parse(raw.bytes(), vmlinux());
            }
            return Btf.parse(raw.bytes());
        }
    }

    /** The running kernel's BTF from {@code /sys/kernel/btf/vmlinux}, read once. */
    public Btf vmlinux() {
        Btf b = vmlinux;
        if (b == null) {
            try {
                b = Btf.parse(Files.readAllBytes(VMLINUX));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            vmlinux = b;
        }
        return b;
    }


    private record Raw(BtfInfo info, byte[] bytes) {}

    private static Raw read(Fd fd, Arena arena, boolean withBytes) {
        MemorySegment info = Bpf.btfInfo(fd, arena);
        int size = bpf_btf_info.btf_size(info);
        int nameLen = bpf_btf_info.name_len(info);
        MemorySegment again = bpf_btf_info.allocate(arena).fill((byte) 0);
        MemorySegment name = arena.allocate(Math.max(64, nameLen + 1));
        MemorySegment bytes = withBytes ? arena.allocate(Math.max(1, size), 8) : MemorySegment.NULL;
        bpf_btf_info.name(again, name.address());
        bpf_btf_info.name_len(again, (int) name.byteSize());
        if (withBytes) {
            bpf_btf_info.btf(again, bytes.address());
            bpf_btf_info.btf_size(again, size);
        }
        Bpf.objGetInfoByFd(fd, again);
        BtfInfo described = new BtfInfo(bpf_btf_info.id(again), Bpf.cString(name), bpf_btf_info.btf_size(again),
                bpf_btf_info.kernel_btf(again) != 0);
        byte[] data = withBytes ? bytes.asSlice(0, Math.min(size, bpf_btf_info.btf_size(again))).toArray(JAVA_BYTE)
                : new byte[0];
        return new Raw(described, data);
    }
}
