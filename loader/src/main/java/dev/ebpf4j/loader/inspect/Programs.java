package dev.ebpf4j.loader.inspect;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.uapi.bpf_func_info;
import dev.ebpf4j.bindings.uapi.bpf_line_info;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.insn.Instruction;

/**
 * The programs loaded in the kernel. Every method opens what it needs by id or path and closes it before returning.
 * Methods that take an id throw {@link BpfException} ({@code ENOENT}) when no such program exists; the
 * {@code by...} look-ups return empty instead.
 */
public final class Programs {
    private final BtfObjects btfs;

    Programs(BtfObjects btfs) {
        this.btfs = btfs;
    }

    /** Every loaded program, in id order (programs that go away while listing are left out). */
    public List<ProgramInfo> list() {
        List<ProgramInfo> out = new ArrayList<>();
        for (int id : ids()) {
            byId(id).ifPresent(out::add);
        }
        return out;
    }

    /** Ids of every loaded program, in order. */
    public List<Integer> ids() {
        List<Integer> out = new ArrayList<>();
        OptionalInt next = Bpf.progGetNextId(0);
        while (next.isPresent()) {
            out.add(next.getAsInt());
            next = Bpf.progGetNextId(next.getAsInt());
        }
        return out;
    }

    /** The program with this id, if it is loaded. */
    public Optional<ProgramInfo> byId(int id) {
        try (Fd fd = Bpf.progGetFdById(id)) {
            return Optional.of(info(fd));
        } catch (BpfException e) {
            if (e.is(Errno.ENOENT)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The program with this id; {@link BpfException} with ENOENT when there is none. */
    public ProgramInfo get(int id) {
        try (Fd fd = Bpf.progGetFdById(id)) {
            return info(fd);
        }
    }

    /** The programs with this full name (as {@link ProgramInfo#name()}), in id order. */
    public List<ProgramInfo> byName(String name) {
        return list().stream().filter(p -> p.name().equals(name)).toList();
    }

    /** The programs with this tag (16 hex digits, any case), in id order. */
    public List<ProgramInfo> byTag(String tag) {
        String t = normalizeTag(tag);
        return list().stream().filter(p -> p.tag().equals(t)).toList();
    }

    /**
     * The program pinned at {@code path}.
     *
     * @throws BpfException when nothing is pinned there
     * @throws IllegalArgumentException when what is pinned there is not a program
     */
    public ProgramInfo byPinnedPath(Path path) {
        try (Fd fd = Bpf.objGet(path.toString())) {
            String kind = Inspector.fdKind(fd);
            if (!kind.equals("prog")) {
                throw new IllegalArgumentException("incorrect object type: " + kind);
            }
            return info(fd);
        }
    }

    /** The translated instructions of program {@code id}. */
    public List<Instruction> xlated(int id) {
        return code(id).instructions();
    }

    /** The JIT image of program {@code id} with its function boundaries. */
    public ProgramCode jited(int id) {
        return code(id);
    }

    /** The BTF line records of program {@code id} (empty without BTF). */
    public List<ProgramCode.LineInfo> lineInfo(int id) {
        return code(id).lineInfo();
    }

    /** Everything about program {@code id}'s code in one info call. */
    public ProgramCode code(int id) {
        try (Fd fd = Bpf.progGetFdById(id)) {
            return code(fd);
        }
    }

    static String normalizeTag(String tag) {
        String t = tag.toLowerCase(Locale.ROOT);
        if (!t.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("can't parse tag");
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------ reading

    /** gpl_compatible:1, a bitfield jextract left out: bit 0 of the word after ifindex. */
    static boolean gplCompatible(MemorySegment info) {
        return (info.get(JAVA_INT, bpf_prog_info.ifindex$offset() + 4) & 1) != 0;
    }

    ProgramInfo info(Fd fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = Bpf.progInfo(fd, arena);
            int nrMaps = bpf_prog_info.nr_map_ids(info);
            List<Integer> mapIds = List.of();
            if (nrMaps > 0) {
                // a second call for the map ids, as bpftool's show_prog_maps
                MemorySegment ids = arena.allocate(JAVA_INT, nrMaps);
                MemorySegment again = bpf_prog_info.allocate(arena).fill((byte) 0);
                bpf_prog_info.nr_map_ids(again, nrMaps);
                bpf_prog_info.map_ids(again, ids.address());
                Bpf.objGetInfoByFd(fd, again);
                int n = Math.min(nrMaps, bpf_prog_info.nr_map_ids(again));
                List<Integer> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(ids.getAtIndex(JAVA_INT, i));
                }
                mapIds = list;
            }
            return info(fd, info, mapIds);
        }
    }

    private ProgramInfo info(Fd fd, MemorySegment info, List<Integer> mapIds) {
        List<String> fdinfo = Procfs.fdinfoLines(fd);
        OptionalLong memlock = Procfs.fdinfo(fdinfo, "memlock").map(s -> OptionalLong.of(Long.parseLong(s.strip())))
                .orElse(OptionalLong.empty());
        long loadTime = bpf_prog_info.load_time(info);
        String name = Bpf.cString(bpf_prog_info.name(info));
        int btfId = bpf_prog_info.btf_id(info);
        int nrFuncInfo = bpf_prog_info.nr_func_info(info);
        if (name.length() >= Bpf.OBJ_NAME_LEN - 1 && btfId != 0 && nrFuncInfo > 0) {
            name = fullName(fd, info, btfId).orElse(name);
        }
        return new ProgramInfo(bpf_prog_info.id(info), bpf_prog_info.type(info), name,
                HexFormat.of().formatHex(bpf_prog_info.tag(info).toArray(JAVA_BYTE)), gplCompatible(info), loadTime,
                loadTime == 0 ? Optional.empty() : Optional.of(Procfs.bootTimeToWallClock(loadTime)),
                bpf_prog_info.created_by_uid(info), bpf_prog_info.xlated_prog_len(info),
                bpf_prog_info.jited_prog_len(info) != 0, bpf_prog_info.jited_prog_len(info), memlock, mapIds, btfId,
                bpf_prog_info.run_time_ns(info), bpf_prog_info.run_cnt(info), bpf_prog_info.recursion_misses(info),
                bpf_prog_info.verified_insns(info), bpf_prog_info.ifindex(info), nrFuncInfo,
                bpf_prog_info.nr_line_info(info));
    }

    /** bpftool's get_prog_full_name: the name of the BTF FUNC of the first func_info record. */
    private Optional<String> fullName(Fd fd, MemorySegment info, int btfId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = arena.allocate(bpf_func_info.layout());
            MemorySegment again = bpf_prog_info.allocate(arena).fill((byte) 0);
            bpf_prog_info.nr_func_info(again, 1);
            bpf_prog_info.func_info_rec_size(again, (int) bpf_func_info.sizeof());
            bpf_prog_info.func_info(again, record.address());
            Bpf.objGetInfoByFd(fd, again);
            Btf btf = btfs.load(bpf_prog_info.btf_id(again));
            int typeId = bpf_func_info.type_id(record);
            if (typeId > 0 && typeId < btf.typeCount() && btf.type(typeId) instanceof BtfType.Func f) {
                return Optional.of(f.name());
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    ProgramCode code(Fd fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment first = Bpf.progInfo(fd, arena);
            int xlatedLen = bpf_prog_info.xlated_prog_len(first);
            int jitedLen = bpf_prog_info.jited_prog_len(first);
            int nrMaps = bpf_prog_info.nr_map_ids(first);
            int nrKsyms = bpf_prog_info.nr_jited_ksyms(first);
            int nrFuncLens = bpf_prog_info.nr_jited_func_lens(first);
            int nrFuncInfo = bpf_prog_info.nr_func_info(first);
            int nrLineInfo = bpf_prog_info.nr_line_info(first);
            int nrJitedLineInfo = bpf_prog_info.nr_jited_line_info(first);
            int btfId = bpf_prog_info.btf_id(first);

            MemorySegment xlated = arena.allocate(Math.max(1, xlatedLen), 8);
            MemorySegment jited = arena.allocate(Math.max(1, jitedLen), 8);
            MemorySegment maps = arena.allocate(JAVA_INT, Math.max(1, nrMaps));
            MemorySegment ksyms = arena.allocate(JAVA_LONG, Math.max(1, nrKsyms));
            MemorySegment funcLens = arena.allocate(JAVA_INT, Math.max(1, nrFuncLens));
            MemorySegment funcInfo = arena.allocate(bpf_func_info.sizeof() * Math.max(1, nrFuncInfo), 8);
            MemorySegment lineInfo = arena.allocate(bpf_line_info.sizeof() * Math.max(1, nrLineInfo), 8);
            MemorySegment jitedLineInfo = arena.allocate(JAVA_LONG, Math.max(1, nrJitedLineInfo));

            MemorySegment info = bpf_prog_info.allocate(arena).fill((byte) 0);
            bpf_prog_info.xlated_prog_len(info, xlatedLen);
            bpf_prog_info.xlated_prog_insns(info, xlated.address());
            bpf_prog_info.jited_prog_len(info, jitedLen);
            bpf_prog_info.jited_prog_insns(info, jited.address());
            bpf_prog_info.nr_map_ids(info, nrMaps);
            bpf_prog_info.map_ids(info, maps.address());
            bpf_prog_info.nr_jited_ksyms(info, nrKsyms);
            bpf_prog_info.jited_ksyms(info, ksyms.address());
            bpf_prog_info.nr_jited_func_lens(info, nrFuncLens);
            bpf_prog_info.jited_func_lens(info, funcLens.address());
            bpf_prog_info.nr_func_info(info, nrFuncInfo);
            bpf_prog_info.func_info_rec_size(info, (int) bpf_func_info.sizeof());
            bpf_prog_info.func_info(info, funcInfo.address());
            bpf_prog_info.nr_line_info(info, nrLineInfo);
            bpf_prog_info.line_info_rec_size(info, (int) bpf_line_info.sizeof());
            bpf_prog_info.line_info(info, lineInfo.address());
            bpf_prog_info.nr_jited_line_info(info, nrJitedLineInfo);
            bpf_prog_info.jited_line_info_rec_size(info, (int) JAVA_LONG.byteSize());
            bpf_prog_info.jited_line_info(info, jitedLineInfo.address());
            Bpf.objGetInfoByFd(fd, info);

            int nMaps = Math.min(nrMaps, bpf_prog_info.nr_map_ids(info));
            List<Integer> mapIds = new ArrayList<>();
            for (int i = 0; i < nMaps; i++) {
                mapIds.add(maps.getAtIndex(JAVA_INT, i));
            }
            ProgramInfo described = info(fd, first, mapIds);

            byte[] xlatedBytes = bpf_prog_info.xlated_prog_insns(info) == 0 ? new byte[0]
                    : xlated.asSlice(0, Math.min(xlatedLen, bpf_prog_info.xlated_prog_len(info))).toArray(JAVA_BYTE);
            byte[] jitedBytes = bpf_prog_info.jited_prog_insns(info) == 0 ? new byte[0]
                    : jited.asSlice(0, Math.min(jitedLen, bpf_prog_info.jited_prog_len(info))).toArray(JAVA_BYTE);

            List<ProgramCode.JitedFunction> functions = new ArrayList<>();
            int nLens = Math.min(nrFuncLens, bpf_prog_info.nr_jited_func_lens(info));
            int nKsyms = Math.min(nrKsyms, bpf_prog_info.nr_jited_ksyms(info));
            if (jitedBytes.length > 0) {
                if (nLens == 0) {
                    functions.add(new ProgramCode.JitedFunction(nKsyms > 0 ? ksyms.getAtIndex(JAVA_LONG, 0) : 0, 0,
                            jitedBytes.length));
                } else {
                    int offset = 0;
                    for (int i = 0; i < nLens; i++) {
                        int len = funcLens.getAtIndex(JAVA_INT, i);
                        long address = i < nKsyms ? ksyms.getAtIndex(JAVA_LONG, i) : 0;
                        functions.add(new ProgramCode.JitedFunction(address, offset, len));
                        offset += len;
                    }
                }
            }

            List<ProgramCode.FuncInfo> funcs = new ArrayList<>();
            int nFunc = Math.min(nrFuncInfo, bpf_prog_info.nr_func_info(info));
            for (int i = 0; i < nFunc; i++) {
                MemorySegment r = funcInfo.asSlice(i * bpf_func_info.sizeof(), bpf_func_info.sizeof());
                funcs.add(new ProgramCode.FuncInfo(bpf_func_info.insn_off(r), bpf_func_info.type_id(r)));
            }

            Optional<Btf> btf = btfId == 0 ? Optional.empty() : Optional.of(btfs.load(btfId));
            List<ProgramCode.LineInfo> lines = new ArrayList<>();
            int nLines = Math.min(nrLineInfo, bpf_prog_info.nr_line_info(info));
            int nJitedLines = Math.min(nrJitedLineInfo, bpf_prog_info.nr_jited_line_info(info));
            for (int i = 0; i < nLines; i++) {
                MemorySegment r = lineInfo.asSlice(i * bpf_line_info.sizeof(), bpf_line_info.sizeof());
                int lineCol = bpf_line_info.line_col(r);
                lines.add(new ProgramCode.LineInfo(bpf_line_info.insn_off(r),
                        string(btf, bpf_line_info.file_name_off(r)), string(btf, bpf_line_info.line_off(r)),
                        lineCol >>> 10, lineCol & 0x3ff,
                        i < nJitedLines && bpf_prog_info.jited_line_info(info) != 0
                                ? jitedLineInfo.getAtIndex(JAVA_LONG, i) : 0));
            }
            return new ProgramCode(described, xlatedBytes, jitedBytes, functions, funcs, lines, btf);
        }
    }

    private static String string(Optional<Btf> btf, int offset) {
        if (btf.isEmpty()) {
            return "";
        }
        try {
            return btf.get().string(offset);
        } catch (RuntimeException e) {
            return "";
        }
    }
}
