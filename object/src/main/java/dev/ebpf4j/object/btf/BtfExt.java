package dev.ebpf4j.object.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedSet;
import java.util.function.Function;

import dev.ebpf4j.object.BpfFormatException;

/**
 * A parsed {@code .BTF.ext} section: function info, line info and CO-RE relocation records, grouped
 * by the ELF section (program) they belong to. All names and strings refer to the string section of
 * the object's {@link Btf}, which is needed to parse.
 *
 * <p>Instruction offsets ({@code insnOff}) are in bytes from the start of the ELF section, as in the
 * object file; {@code insnIndex()} is the instruction number (bytes / 8).
 */
public final class BtfExt {
    public static final int MAGIC = Btf.MAGIC;
    /** Header size without the CO-RE relocation fields. */
    public static final int MIN_HEADER_SIZE = 24;
    /** Header size with the CO-RE relocation fields. */
    public static final int CORE_HEADER_SIZE = 32;

    static final int FUNC_INFO_SIZE = 8;
    static final int LINE_INFO_SIZE = 16;
    static final int CORE_RELO_SIZE = 16;

    /** Header fields (unsigned values in {@code int}s); sub-section offsets are relative to the header's end. */
    public record Header(int magic, int version, int flags, int headerLength, int funcInfoOffset, int funcInfoLength,
            int lineInfoOffset, int lineInfoLength, int coreReloOffset, int coreReloLength) {}

    /** {@code struct bpf_func_info}: the function (a FUNC type) starting at {@code insnOff} bytes. */
    public record FuncInfo(int insnOff, int typeId) {
        /** The instruction index (insnOff / 8). */
        public int insnIndex() {
            return insnOff >>> 3;
        }

        /** The function's name from {@code btf}. */
        public String name(Btf btf) {
            return btf.name(typeId);
        }
    }

    /**
     * {@code struct bpf_line_info}: the instruction at {@code insnOff} bytes comes from line
     * {@code lineNum}, column {@code column} of the file named at {@code fileNameOff}; {@code lineOff}
     * is the source line's text.
     */
    public record LineInfo(int insnOff, int fileNameOff, int lineOff, int lineNum, int column) {
        /** The instruction index (insnOff / 8). */
        public int insnIndex() {
            return insnOff >>> 3;
        }

        /** The encoded {@code line_col} word: line number in the upper 22 bits, column in the lower 10. */
        public int lineCol() {
            return lineNum << 10 | column;
        }

        public String fileName(Btf btf) {
            return btf.string(fileNameOff);
        }

        /** The text of the source line. */
        public String lineText(Btf btf) {
            return btf.string(lineOff);
        }
    }

    /**
     * {@code struct bpf_core_relo}: the instruction at {@code insnOff} bytes needs {@code kind} of local
     * type {@code typeId}, following {@code accessString} (e.g. {@code "0:1:2"}).
     */
    public record CoreRelocation(int insnOff, int typeId, int accessStringOff, String accessString,
            CoreRelocationKind kind) {
        public CoreRelocation {
            Objects.requireNonNull(accessString, "accessString");
            Objects.requireNonNull(kind, "kind");
        }

        /** The instruction index (insnOff / 8). */
        public int insnIndex() {
            return insnOff >>> 3;
        }

        /** The access string as numbers: {@code "0:1:2"} gives {@code [0, 1, 2]}. */
        public int[] accessIndices() {
            return parseAccess(accessString);
        }
    }

    private final Header header;
    private final ByteOrder order;
    private final Btf btf;
    private final int funcInfoRecordSize;
    private final int lineInfoRecordSize;
    private final int coreReloRecordSize;
    private final Map<String, List<FuncInfo>> funcInfos;
    private final Map<String, List<LineInfo>> lineInfos;
    private final Map<String, List<CoreRelocation>> coreRelocations;

    private BtfExt(Header header, ByteOrder order, Btf btf, int[] recSizes, Map<String, List<FuncInfo>> funcInfos,
            Map<String, List<LineInfo>> lineInfos, Map<String, List<CoreRelocation>> coreRelocations) {
        this.header = header;
        this.order = order;
        this.btf = btf;
        this.funcInfoRecordSize = recSizes[0];
        this.lineInfoRecordSize = recSizes[1];
        this.coreReloRecordSize = recSizes[2];
        this.funcInfos = funcInfos;
        this.lineInfos = lineInfos;
        this.coreRelocations = coreRelocations;
    }

    public static BtfExt parse(byte[] ext, Btf btf) {
        return parse(ByteBuffer.wrap(ext), btf);
    }

    /**
     * Parses the bytes from the buffer's position to its limit (the buffer is not moved); strings and
     * type ids are checked against {@code btf}.
     */
    public static BtfExt parse(ByteBuffer ext, Btf btf) {
        Objects.requireNonNull(btf, "btf");
        ByteBuffer b = ext.slice();
        int n = b.remaining();
        if (n < 8) {
            throw new BpfFormatException("BTF.ext: section of " + n + " bytes is too short for the header");
        }
        ByteOrder order = Btf.checkMagicAndVersion(b, "BTF.ext");
        int flags = b.get(3) & 0xff;
        long hdrLen = Integer.toUnsignedLong(b.getInt(4));
        if (hdrLen < MIN_HEADER_SIZE) {
            throw new BpfFormatException("BTF.ext: header length " + hdrLen + " at offset 4 is less than "
                    + MIN_HEADER_SIZE);
        }
        if (hdrLen > n) {
            throw new BpfFormatException("BTF.ext: header length " + hdrLen + " at offset 4 runs past the end of the "
                    + n + "-byte section");
        }
        int fOff = b.getInt(8);
        int fLen = b.getInt(12);
        int lOff = b.getInt(16);
        int lLen = b.getInt(20);
        int cOff = hdrLen >= CORE_HEADER_SIZE ? b.getInt(24) : 0;
        int cLen = hdrLen >= CORE_HEADER_SIZE ? b.getInt(28) : 0;
        Header header = new Header(MAGIC, Btf.VERSION, flags, (int) hdrLen, fOff, fLen, lOff, lLen, cOff, cLen);
        ByteBuffer data = b.slice((int) hdrLen, n - (int) hdrLen).order(order);
        int[] recSizes = new int[3];
        Parser p = new Parser(data, btf);
        Map<String, List<FuncInfo>> funcs = p.subsection("func_info", fOff, fLen, FUNC_INFO_SIZE, recSizes, 0,
                p::funcInfo);
        Map<String, List<LineInfo>> lines = p.subsection("line_info", lOff, lLen, LINE_INFO_SIZE, recSizes, 1,
                p::lineInfo);
        Map<String, List<CoreRelocation>> relos = p.subsection("core_relo", cOff, cLen, CORE_RELO_SIZE, recSizes, 2,
                p::coreRelo);
        return new BtfExt(header, order, btf, recSizes, funcs, lines, relos);
    }

    /** Reads the records of one sub-section; {@code pos} is the record's offset in the data after the header. */
    private static final class Parser {
        private final ByteBuffer d;
        private final Btf btf;
        private String where; // "func_info of section 'xdp'" while parsing records

        Parser(ByteBuffer d, Btf btf) {
            this.d = d;
            this.btf = btf;
        }

        private BpfFormatException error(int pos, String what) {
            return new BpfFormatException("BTF.ext " + where + ", record at offset " + pos + " after the header: "
                    + what);
        }

        private String string(int off, int pos, String what) {
            try {
                return btf.string(off);
            } catch (BpfFormatException e) {
                throw error(pos, what + " offset " + Integer.toUnsignedString(off) + " is outside the BTF string section");
            }
        }

        private int insnOff(int pos) {
            int off = d.getInt(pos);
            if ((off & 7) != 0) {
                throw error(pos, "instruction offset " + Integer.toUnsignedString(off) + " is not a multiple of 8");
            }
            return off;
        }

        private void typeId(int id, int pos) {
            if (Integer.compareUnsigned(id, btf.typeCount()) >= 0 || id == 0) {
                throw error(pos, "type id " + Integer.toUnsignedString(id) + " is not a type of the BTF (ids 1.."
                        + (btf.typeCount() - 1) + ")");
            }
        }

        FuncInfo funcInfo(int pos) {
            int insn = insnOff(pos);
            int type = d.getInt(pos + 4);
            typeId(type, pos);
            if (btf.kind(type) != BtfKind.FUNC) {
                throw error(pos, "type id " + type + " is " + btf.kind(type).label() + ", not FUNC");
            }
            return new FuncInfo(insn, type);
        }

        LineInfo lineInfo(int pos) {
            int insn = insnOff(pos);
            int file = d.getInt(pos + 4);
            int line = d.getInt(pos + 8);
            string(file, pos, "file name");
            string(line, pos, "line text");
            int lineCol = d.getInt(pos + 12);
            return new LineInfo(insn, file, line, lineCol >>> 10, lineCol & 0x3ff);
        }

        CoreRelocation coreRelo(int pos) {
            int insn = insnOff(pos);
            int type = d.getInt(pos + 4);
            typeId(type, pos);
            int accessOff = d.getInt(pos + 8);
            String access = string(accessOff, pos, "access string");
            int kindNo = d.getInt(pos + 12);
            CoreRelocationKind kind = CoreRelocationKind.ofNumber(kindNo);
            if (kind == null) {
                throw error(pos, "unknown CO-RE relocation kind " + Integer.toUnsignedString(kindNo));
            }
            try {
                parseAccess(access);
            } catch (IllegalArgumentException e) {
                throw error(pos, e.getMessage());
            }
            return new CoreRelocation(insn, type, accessOff, access, kind);
        }

        <R> Map<String, List<R>> subsection(String name, int off, int len, int minSize, int[] recSizes, int slot,
                Function<Integer, R> reader) {
            Map<String, List<R>> out = new LinkedHashMap<>();
            if (len == 0) {
                return out;
            }
            long start = Integer.toUnsignedLong(off);
            long end = start + Integer.toUnsignedLong(len);
            if (end > d.limit()) {
                throw new BpfFormatException("BTF.ext: " + name + " [" + start + ", +" + Integer.toUnsignedLong(len)
                        + ") runs past the end of the data (" + d.limit() + " bytes after the header)");
            }
            if ((start & 3) != 0) {
                throw new BpfFormatException("BTF.ext: " + name + " offset " + start + " is not 4-byte aligned");
            }
            if (end - start < 4) {
                throw new BpfFormatException("BTF.ext: " + name + " at offset " + start
                        + " is too short for its record size");
            }
            long recSize = Integer.toUnsignedLong(d.getInt((int) start));
            if (recSize < minSize || (recSize & 3) != 0) {
                throw new BpfFormatException("BTF.ext: " + name + " record size " + recSize + " at offset " + start
                        + " is invalid (needs a multiple of 4, at least " + minSize + ")");
            }
            recSizes[slot] = (int) recSize;
            long pos = start + 4;
            while (pos < end) {
                if (end - pos < 8) {
                    throw new BpfFormatException("BTF.ext: " + name + " block at offset " + pos
                            + " is truncated: " + (end - pos) + " bytes left, the block header needs 8");
                }
                int secOff = d.getInt((int) pos);
                long num = Integer.toUnsignedLong(d.getInt((int) pos + 4));
                String sec;
                try {
                    sec = btf.string(secOff);
                } catch (BpfFormatException e) {
                    throw new BpfFormatException("BTF.ext: " + name + " block at offset " + pos + ": section name offset "
                            + Integer.toUnsignedString(secOff) + " is outside the BTF string section");
                }
                if (num == 0) {
                    throw new BpfFormatException("BTF.ext: " + name + " block at offset " + pos + " for section '" + sec
                            + "' has no records");
                }
                pos += 8;
                if (num > (end - pos) / recSize) {
                    throw new BpfFormatException("BTF.ext: " + name + " block at offset " + (pos - 8) + " for section '"
                            + sec + "' claims " + num + " records of " + recSize + " bytes but only " + (end - pos)
                            + " bytes remain");
                }
                where = name + " of section '" + sec + "'";
                List<R> list = out.computeIfAbsent(sec, k -> new ArrayList<>());
                for (long i = 0; i < num; i++, pos += recSize) {
                    list.add(reader.apply((int) pos));
                }
            }
            out.replaceAll((k, v) -> List.copyOf(v));
            return out;
        }
    }

    static int[] parseAccess(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty access string");
        }
        int count = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ':') {
                count++;
            }
        }
        int[] out = new int[count];
        int k = 0;
        long v = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : ':';
            if (c == ':') {
                if (digits == 0) {
                    throw new IllegalArgumentException("access string '" + s + "' has an empty index");
                }
                out[k++] = (int) v;
                v = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                v = v * 10 + (c - '0');
                digits++;
                if (v > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("access string '" + s + "' has an index above 2^31-1");
                }
            } else {
                throw new IllegalArgumentException("access string '" + s + "' is not a list of numbers separated by ':'");
            }
        }
        return out;
    }

    // ----------------------------------------------------------------------------------- accessors

    public Header header() {
        return header;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** The BTF whose strings and types the records refer to. */
    public Btf btf() {
        return btf;
    }

    /** Record sizes as found in the file (0 when the sub-section is absent). */
    public int funcInfoRecordSize() {
        return funcInfoRecordSize;
    }

    public int lineInfoRecordSize() {
        return lineInfoRecordSize;
    }

    public int coreReloRecordSize() {
        return coreReloRecordSize;
    }

    /** Names of all ELF sections with any record, in order of first appearance. */
    public SequencedSet<String> sections() {
        SequencedSet<String> out = new LinkedHashSet<>(funcInfos.keySet());
        out.addAll(lineInfos.keySet());
        out.addAll(coreRelocations.keySet());
        return java.util.Collections.unmodifiableSequencedSet(out);
    }

    /** Function info of ELF section {@code section}, in file order (empty when there is none). */
    public List<FuncInfo> funcInfos(String section) {
        return funcInfos.getOrDefault(section, List.of());
    }

    public List<LineInfo> lineInfos(String section) {
        return lineInfos.getOrDefault(section, List.of());
    }

    public List<CoreRelocation> coreRelocations(String section) {
        return coreRelocations.getOrDefault(section, List.of());
    }

    /** All function info by section (unmodifiable, in file order). */
    public Map<String, List<FuncInfo>> funcInfos() {
        return java.util.Collections.unmodifiableMap(funcInfos);
    }

    public Map<String, List<LineInfo>> lineInfos() {
        return java.util.Collections.unmodifiableMap(lineInfos);
    }

    public Map<String, List<CoreRelocation>> coreRelocations() {
        return java.util.Collections.unmodifiableMap(coreRelocations);
    }

    /** The FUNC name of a function info record. */
    public String funcName(FuncInfo info) {
        return info.name(btf);
    }

    public String fileName(LineInfo info) {
        return info.fileName(btf);
    }

    /** The source line text of a line info record. */
    public String lineText(LineInfo info) {
        return info.lineText(btf);
    }

    @Override
    public String toString() {
        return "BtfExt[sections=" + sections() + "]";
    }
}
