package dev.ebpf4j.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_btf_info;
import dev.ebpf4j.bindings.uapi.bpf_link_info;
import dev.ebpf4j.bindings.uapi.bpf_map_info;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;

/**
 * Thin typed helpers over {@code bpf(2)}. Each fills a zeroed {@code union bpf_attr} through the
 * generated accessors in {@link bpf_attr}, calls {@link Syscall#bpf}, and turns a failure into a
 * {@link BpfException} named by command and errno. Callers that need attributes these helpers do not
 * set fill an attr from {@link #newAttr} themselves and pass it to the {@code MemorySegment} overloads.
 *
 * <p>Retries follow libbpf: {@code BPF_PROG_LOAD} is retried on {@code EAGAIN} (up to
 * {@value #PROG_LOAD_ATTEMPTS} attempts in all); no other command is retried. A failed
 * {@code BPF_PROG_LOAD} or {@code BPF_BTF_LOAD} that was made without a log buffer is made once more
 * with one ({@value #RETRY_LOG_SIZE} bytes, log level 1) so that the exception carries the kernel's
 * log; the errno reported is the first attempt's.
 */
public final class Bpf {
    private Bpf() {}

    /** Attempts at {@code BPF_PROG_LOAD} while the kernel answers {@code EAGAIN} (libbpf's number). */
    public static final int PROG_LOAD_ATTEMPTS = 5;
    /** Size of the log buffer used when a load fails without one. */
    public static final int RETRY_LOG_SIZE = 1 << 20;
    /** {@code BPF_OBJ_NAME_LEN}: names are at most this minus one bytes. */
    public static final int OBJ_NAME_LEN = dev.ebpf4j.bindings.uapi.Uapi.BPF_OBJ_NAME_LEN();

    private static final int EAGAIN = Errno.EAGAIN.number();
    private static final int ENOENT = Errno.ENOENT.number();

    // ------------------------------------------------------------------------------------------ generic

    /** The size of {@code union bpf_attr} this build passes to the kernel. */
    public static long attrSize() {
        return bpf_attr.sizeof();
    }

    /** A zeroed {@code union bpf_attr}. */
    public static MemorySegment newAttr(SegmentAllocator allocator) {
        return bpf_attr.allocate(allocator).fill((byte) 0);
    }

    /**
     * {@code bpf(cmd, attr, sizeof(union bpf_attr))} for any command number, including ones
     * {@link BpfCommand} does not know.
     *
     * @return the kernel's non-negative result
     * @throws BpfException on failure
     */
    public static long call(int cmd, MemorySegment attr) {
        long r = Syscall.bpf(cmd, attr, attrSize());
        if (r < 0) {
            throw new BpfException(cmd, (int) -r);
        }
        return r;
    }

    /** {@link #call(int, MemorySegment)} for a known command. */
    public static long call(BpfCommand cmd, MemorySegment attr) {
        return call(cmd.value(), attr);
    }

    /** A command that returns a new file descriptor: the result, owned. */
    public static Fd callForFd(BpfCommand cmd, MemorySegment attr) {
        return Fd.adopt(Math.toIntExact(call(cmd, attr)));
    }

    // --------------------------------------------------------------------------------------------- maps

    /** {@code BPF_MAP_CREATE} with a caller-filled attr. */
    public static Fd mapCreate(MemorySegment attr) {
        return callForFd(BpfCommand.MAP_CREATE, attr);
    }

    /**
     * {@code BPF_MAP_CREATE} of a map without BTF.
     *
     * @param name the map's name, at most {@code BPF_OBJ_NAME_LEN - 1} bytes ("" for none)
     */
    public static Fd mapCreate(int mapType, int keySize, int valueSize, int maxEntries, int mapFlags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.map_type(attr, mapType);
            bpf_attr.key_size(attr, keySize);
            bpf_attr.value_size(attr, valueSize);
            bpf_attr.max_entries(attr, maxEntries);
            bpf_attr.map_flags(attr, mapFlags);
            putName(bpf_attr.map_name(attr), name);
            return mapCreate(attr);
        }
    }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM}: copies the value of {@code key} into {@code value}.
     *
     * @return false when the map has no such key ({@code ENOENT})
     */
    public static boolean mapLookup(Fd map, MemorySegment key, MemorySegment value) {
        return mapLookup(map, key, value, 0);
    }

    /** {@link #mapLookup(Fd, MemorySegment, MemorySegment)} with {@code flags} (e.g. {@code BPF_F_LOCK}). */
    public static boolean mapLookup(Fd map, MemorySegment key, MemorySegment value, long flags) {
        return elemCall(BpfCommand.MAP_LOOKUP_ELEM, map, key, value, flags, true);
    }

    /** {@code BPF_MAP_UPDATE_ELEM} with {@code flags} {@code BPF_ANY}, {@code BPF_NOEXIST} or {@code BPF_EXIST}. */
    public static void mapUpdate(Fd map, MemorySegment key, MemorySegment value, long flags) {
        elemCall(BpfCommand.MAP_UPDATE_ELEM, map, key, value, flags, false);
    }

    /**
     * The size of the element commands' part of {@code bpf_attr} ({@code map_fd}, {@code key}, {@code value},
     * {@code flags}): what libbpf passes too, so the kernel copies 32 bytes rather than the whole union.
     */
    static final long ELEM_ATTR_SIZE = 32;
    /**
     * Each thread's attr for the element commands and its errno capture buffer, reused: map lookups and updates
     * allocate nothing and look up one thread-local.
     */
    private static final ThreadLocal<ElemCall> ELEM_CALL = ThreadLocal.withInitial(ElemCall::new);

    private static final class ElemCall {
        final MemorySegment attr;
        final MemorySegment state;

        ElemCall() {
            Arena arena = Arena.ofAuto(); // freed with the thread's local
            attr = arena.allocate(ELEM_ATTR_SIZE, 8);
            state = Syscall.newCallState(arena);
        }
    }

    private static boolean elemCall(BpfCommand cmd, Fd map, MemorySegment key, MemorySegment value, long flags,
                                    boolean missingIsFalse) {
        int fd = map.raw();
        long keyAddress = address(key);
        long valueAddress = address(value);
        ElemCall call = ELEM_CALL.get();
        MemorySegment attr = call.attr;
        attr.set(ValueLayout.JAVA_LONG, 0, 0L); // map_fd and its padding
        bpf_attr.map_fd(attr, fd);
        bpf_attr.key(attr, keyAddress);
        bpf_attr.value(attr, valueAddress);
        bpf_attr.flags(attr, flags);
        long r = Syscall.bpf(call.state, cmd.value(), attr, ELEM_ATTR_SIZE);
        if (r < 0) {
            if (r == -ENOENT && missingIsFalse) {
                return false;
            }
            throw new BpfException(cmd.value(), (int) -r);
        }
        return true;
    }

    /**
     * {@code BPF_MAP_DELETE_ELEM}.
     *
     * @return false when the map has no such key ({@code ENOENT})
     */
    public static boolean mapDelete(Fd map, MemorySegment key) {
        try (Arena arena = Arena.ofConfined()) {
            return callUnlessNoEntry(BpfCommand.MAP_DELETE_ELEM, elemAttr(arena, map, key, MemorySegment.NULL, 0));
        }
    }

    /**
     * {@code BPF_MAP_GET_NEXT_KEY}: writes the key after {@code key} (the first key when {@code key} is
     * {@link MemorySegment#NULL}) into {@code nextKey}.
     *
     * @return false when there is no next key ({@code ENOENT})
     */
    public static boolean mapGetNextKey(Fd map, MemorySegment key, MemorySegment nextKey) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.map_fd(attr, map.raw());
            bpf_attr.key(attr, address(key));
            bpf_attr.next_key(attr, address(nextKey));
            return callUnlessNoEntry(BpfCommand.MAP_GET_NEXT_KEY, attr);
        }
    }

    /** {@code BPF_MAP_FREEZE}: no more writes from user space. */
    public static void mapFreeze(Fd map) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.map_fd(attr, map.raw());
            call(BpfCommand.MAP_FREEZE, attr);
        }
    }

    private static MemorySegment elemAttr(Arena arena, Fd map, MemorySegment key, MemorySegment value, long flags) {
        MemorySegment attr = newAttr(arena);
        bpf_attr.map_fd(attr, map.raw());
        bpf_attr.key(attr, address(key));
        bpf_attr.value(attr, address(value));
        bpf_attr.flags(attr, flags);
        return attr;
    }

    private static boolean callUnlessNoEntry(BpfCommand cmd, MemorySegment attr) {
        long r = Syscall.bpf(cmd.value(), attr, attrSize());
        if (r == -ENOENT) {
            return false;
        }
        if (r < 0) {
            throw new BpfException(cmd.value(), (int) -r);
        }
        return true;
    }

    // ----------------------------------------------------------------------------------------- programs

    /**
     * {@code BPF_PROG_LOAD} with a caller-filled attr ({@code prog_type}, {@code insns}, {@code insn_cnt},
     * {@code license}, ...). Retried on {@code EAGAIN}. On failure the exception carries the log: from the
     * caller's {@code log_buf} if it set one, otherwise from one more attempt with a log buffer of our own
     * (the attr is restored afterwards).
     */
    public static Fd progLoad(MemorySegment attr) {
        long r = progLoadAttempts(attr);
        if (r >= 0) {
            return Fd.adopt(Math.toIntExact(r));
        }
        int errno = (int) -r;
        if (bpf_attr.log_buf(attr) != 0) {
            throw new BpfException(BpfCommand.PROG_LOAD.value(), errno,
                    readLog(bpf_attr.log_buf(attr), bpf_attr.log_size(attr)));
        }
        int level = bpf_attr.log_level(attr);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment log = arena.allocate(RETRY_LOG_SIZE);
            bpf_attr.log_level(attr, level == 0 ? 1 : level);
            bpf_attr.log_buf(attr, log.address());
            bpf_attr.log_size(attr, RETRY_LOG_SIZE);
            long again = progLoadAttempts(attr);
            if (again >= 0) {
                return Fd.adopt(Math.toIntExact(again));
            }
            throw new BpfException(BpfCommand.PROG_LOAD.value(), errno, readLog(log.address(), RETRY_LOG_SIZE));
        } finally {
            bpf_attr.log_level(attr, level);
            bpf_attr.log_buf(attr, 0);
            bpf_attr.log_size(attr, 0);
        }
    }

    private static long progLoadAttempts(MemorySegment attr) {
        return retryOnEagain(() -> Syscall.bpf(BpfCommand.PROG_LOAD.value(), attr, attrSize()), PROG_LOAD_ATTEMPTS);
    }

    /** Makes {@code call} (a result or {@code -errno}) up to {@code attempts} times while it fails with EAGAIN. */
    static long retryOnEagain(LongSupplier call, int attempts) {
        long r = -EAGAIN;
        for (int attempt = 0; attempt < attempts && r == -EAGAIN; attempt++) {
            r = call.getAsLong();
        }
        return r;
    }

    /**
     * {@code BPF_PROG_LOAD} of {@code insns} (encoded instructions, 8 bytes each).
     *
     * @param name the program's name, at most {@code BPF_OBJ_NAME_LEN - 1} bytes ("" for none)
     */
    public static Fd progLoad(int progType, byte[] insns, String license, String name) {
        if (insns.length == 0 || insns.length % 8 != 0) {
            throw new IllegalArgumentException("instructions must be a non-empty multiple of 8 bytes: " + insns.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            MemorySegment code = arena.allocate(insns.length, 8).copyFrom(MemorySegment.ofArray(insns));
            bpf_attr.prog_type(attr, progType);
            bpf_attr.insns(attr, code.address());
            bpf_attr.insn_cnt(attr, insns.length / 8);
            bpf_attr.license(attr, arena.allocateFrom(license).address());
            putName(bpf_attr.prog_name(attr), name);
            return progLoad(attr);
        }
    }

    /** What {@code BPF_PROG_TEST_RUN} reports. */
    public record TestRun(int retval, int durationNs, byte[] dataOut) {}

    /** {@code BPF_PROG_TEST_RUN} with a caller-filled attr. */
    public static void progTestRun(MemorySegment attr) {
        call(BpfCommand.PROG_TEST_RUN, attr);
    }

    /**
     * {@code BPF_PROG_TEST_RUN} of {@code prog} on {@code dataIn}, {@code repeat} times (0 means once).
     * {@code dataOut} has room for {@code dataIn.length + outSlack} bytes and is cut to what the kernel
     * wrote.
     */
    public static TestRun progTestRun(Fd prog, byte[] dataIn, int repeat, int outSlack) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            MemorySegment in = arena.allocate(Math.max(1, dataIn.length));
            MemorySegment.copy(dataIn, 0, in, ValueLayout.JAVA_BYTE, 0, dataIn.length);
            int outSize = dataIn.length + outSlack;
            MemorySegment out = arena.allocate(Math.max(1, outSize));
            MemorySegment test = bpf_attr.test(attr);
            bpf_attr.test.prog_fd(test, prog.raw());
            bpf_attr.test.data_in(test, in.address());
            bpf_attr.test.data_size_in(test, dataIn.length);
            bpf_attr.test.data_out(test, out.address());
            bpf_attr.test.data_size_out(test, outSize);
            bpf_attr.test.repeat(test, repeat);
            progTestRun(attr);
            int written = Math.min(bpf_attr.test.data_size_out(test), outSize);
            return new TestRun(bpf_attr.test.retval(test), bpf_attr.test.duration(test),
                    out.asSlice(0, written).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    // ---------------------------------------------------------------------------------------------- BTF

    /**
     * {@code BPF_BTF_LOAD} with a caller-filled attr. On failure the exception carries the log: from the
     * caller's {@code btf_log_buf}, or from one more attempt with a log buffer of our own.
     */
    public static Fd btfLoad(MemorySegment attr) {
        long r = Syscall.bpf(BpfCommand.BTF_LOAD.value(), attr, attrSize());
        if (r >= 0) {
            return Fd.adopt(Math.toIntExact(r));
        }
        int errno = (int) -r;
        if (bpf_attr.btf_log_buf(attr) != 0) {
            throw new BpfException(BpfCommand.BTF_LOAD.value(), errno,
                    readLog(bpf_attr.btf_log_buf(attr), bpf_attr.btf_log_size(attr)));
        }
        int level = bpf_attr.btf_log_level(attr);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment log = arena.allocate(RETRY_LOG_SIZE);
            bpf_attr.btf_log_level(attr, level == 0 ? 1 : level);
            bpf_attr.btf_log_buf(attr, log.address());
            bpf_attr.btf_log_size(attr, RETRY_LOG_SIZE);
            long again = Syscall.bpf(BpfCommand.BTF_LOAD.value(), attr, attrSize());
            if (again >= 0) {
                return Fd.adopt(Math.toIntExact(again));
            }
            throw new BpfException(BpfCommand.BTF_LOAD.value(), errno, readLog(log.address(), RETRY_LOG_SIZE));
        } finally {
            bpf_attr.btf_log_level(attr, level);
            bpf_attr.btf_log_buf(attr, 0);
            bpf_attr.btf_log_size(attr, 0);
        }
    }

    /** {@code BPF_BTF_LOAD} of an encoded BTF blob (header, types, strings). */
    public static Fd btfLoad(byte[] btf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            MemorySegment blob = arena.allocate(Math.max(1, btf.length), 8);
            MemorySegment.copy(btf, 0, blob, ValueLayout.JAVA_BYTE, 0, btf.length);
            bpf_attr.btf(attr, blob.address());
            bpf_attr.btf_size(attr, btf.length);
            return btfLoad(attr);
        }
    }

    // ------------------------------------------------------------------------------------- bpffs, info

    /** {@code BPF_OBJ_PIN}: pins {@code fd} at {@code path} in a BPF file system. */
    public static void objPin(Fd fd, String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.pathname(attr, arena.allocateFrom(path).address());
            bpf_attr.bpf_fd(attr, fd.raw());
            call(BpfCommand.OBJ_PIN, attr);
        }
    }

    /** {@code BPF_OBJ_GET} of the object pinned at {@code path}. */
    public static Fd objGet(String path) {
        return objGet(path, 0);
    }

    /** {@code BPF_OBJ_GET} with {@code file_flags} ({@code BPF_F_RDONLY}, {@code BPF_F_WRONLY}). */
    public static Fd objGet(String path, int fileFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.pathname(attr, arena.allocateFrom(path).address());
            bpf_attr.file_flags(attr, fileFlags);
            return callForFd(BpfCommand.OBJ_GET, attr);
        }
    }

    /**
     * {@code BPF_OBJ_GET_INFO_BY_FD} into {@code info} (a {@code bpf_prog_info}, {@code bpf_map_info},
     * {@code bpf_link_info} or {@code bpf_btf_info}, zeroed except for the pointers and counts the caller
     * wants filled).
     *
     * @return the {@code info_len} the kernel reports
     */
    public static int objGetInfoByFd(Fd fd, MemorySegment info) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            MemorySegment i = bpf_attr.info(attr);
            bpf_attr.info.bpf_fd(i, fd.raw());
            bpf_attr.info.info_len(i, Math.toIntExact(info.byteSize()));
            bpf_attr.info.info(i, address(info));
            call(BpfCommand.OBJ_GET_INFO_BY_FD, attr);
            return bpf_attr.info.info_len(i);
        }
    }

    /** The program's {@code bpf_prog_info}, read with {@link bpf_prog_info}'s accessors. */
    public static MemorySegment progInfo(Fd prog, SegmentAllocator allocator) {
        return info(prog, bpf_prog_info.allocate(allocator));
    }

    /** The map's {@code bpf_map_info}, read with {@link bpf_map_info}'s accessors. */
    public static MemorySegment mapInfo(Fd map, SegmentAllocator allocator) {
        return info(map, bpf_map_info.allocate(allocator));
    }

    /** The link's {@code bpf_link_info}, read with {@link bpf_link_info}'s accessors. */
    public static MemorySegment linkInfo(Fd link, SegmentAllocator allocator) {
        return info(link, bpf_link_info.allocate(allocator));
    }

    /** The BTF object's {@code bpf_btf_info}, read with {@link bpf_btf_info}'s accessors. */
    public static MemorySegment btfInfo(Fd btf, SegmentAllocator allocator) {
        return info(btf, bpf_btf_info.allocate(allocator));
    }

    private static MemorySegment info(Fd fd, MemorySegment info) {
        info.fill((byte) 0);
        objGetInfoByFd(fd, info);
        return info;
    }

    // ---------------------------------------------------------------------------------------------- ids

    /** {@code BPF_PROG_GET_NEXT_ID}: the next loaded program's id after {@code startId}, if any. */
    public static OptionalInt progGetNextId(int startId) {
        return nextId(BpfCommand.PROG_GET_NEXT_ID, startId);
    }

    /** {@code BPF_MAP_GET_NEXT_ID}. */
    public static OptionalInt mapGetNextId(int startId) {
        return nextId(BpfCommand.MAP_GET_NEXT_ID, startId);
    }

    /** {@code BPF_BTF_GET_NEXT_ID}. */
    public static OptionalInt btfGetNextId(int startId) {
        return nextId(BpfCommand.BTF_GET_NEXT_ID, startId);
    }

    /** {@code BPF_LINK_GET_NEXT_ID}. */
    public static OptionalInt linkGetNextId(int startId) {
        return nextId(BpfCommand.LINK_GET_NEXT_ID, startId);
    }

    private static OptionalInt nextId(BpfCommand cmd, int startId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.start_id(attr, startId);
            return callUnlessNoEntry(cmd, attr) ? OptionalInt.of(bpf_attr.next_id(attr)) : OptionalInt.empty();
        }
    }

    /** {@code BPF_PROG_GET_FD_BY_ID}. */
    public static Fd progGetFdById(int id) {
        return fdById(BpfCommand.PROG_GET_FD_BY_ID, id);
    }

    /** {@code BPF_MAP_GET_FD_BY_ID}. */
    public static Fd mapGetFdById(int id) {
        return fdById(BpfCommand.MAP_GET_FD_BY_ID, id);
    }

    /** {@code BPF_BTF_GET_FD_BY_ID}. */
    public static Fd btfGetFdById(int id) {
        return fdById(BpfCommand.BTF_GET_FD_BY_ID, id);
    }

    /** {@code BPF_LINK_GET_FD_BY_ID}. */
    public static Fd linkGetFdById(int id) {
        return fdById(BpfCommand.LINK_GET_FD_BY_ID, id);
    }

    private static Fd fdById(BpfCommand cmd, int id) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            bpf_attr.start_id(attr, id); // union with prog_id, map_id, btf_id, link_id
            return callForFd(cmd, attr);
        }
    }

    // -------------------------------------------------------------------------------------------- links

    /** {@code BPF_LINK_CREATE} with a caller-filled attr ({@code bpf_attr.link_create}). */
    public static Fd linkCreate(MemorySegment attr) {
        return callForFd(BpfCommand.LINK_CREATE, attr);
    }

    /** {@code BPF_LINK_CREATE} of {@code prog} to {@code targetFd} (or ifindex) with {@code attachType}. */
    public static Fd linkCreate(Fd prog, int targetFd, int attachType, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = newAttr(arena);
            MemorySegment lc = bpf_attr.link_create(attr);
            bpf_attr.link_create.prog_fd(lc, prog.raw());
            bpf_attr.link_create.target_fd(lc, targetFd);
            bpf_attr.link_create.attach_type(lc, attachType);
            bpf_attr.link_create.flags(lc, flags);
            return linkCreate(attr);
        }
    }

    // -------------------------------------------------------------------------------------------- names

    /** Writes {@code name} NUL-terminated into a {@code char[BPF_OBJ_NAME_LEN]} field. */
    static void putName(MemorySegment field, String name) {
        Objects.requireNonNull(name, "name");
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length >= field.byteSize()) {
            throw new IllegalArgumentException("name '" + name + "' is longer than " + (field.byteSize() - 1) + " bytes");
        }
        field.fill((byte) 0);
        MemorySegment.copy(b, 0, field, ValueLayout.JAVA_BYTE, 0, b.length);
    }

    /** A NUL-terminated string in a fixed {@code char[]} field (all of it when it has no NUL). */
    public static String cString(MemorySegment chars) {
        byte[] b = chars.toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** The address of a native segment ({@link MemorySegment#NULL} gives 0), for the kernel to read or write. */
    private static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("the kernel needs native memory, not a heap segment: " + segment);
        }
        return segment.address();
    }

    private static String readLog(long address, int size) {
        if (address == 0 || size <= 0) {
            return "";
        }
        return cString(MemorySegment.ofAddress(address).reinterpret(size));
    }
}
