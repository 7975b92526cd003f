package dev.ebpf4j.object.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.testing.TestObjects;

class ElfFileTest {

    static List<Path> objects() {
        return TestObjects.exampleObjects();
    }

    @ParameterizedTest
    @MethodSource("objects")
    void sectionsMatchLlvmObjdump(Path object) {
        String tool = TestObjects.requireTool("llvm-objdump").toString();
        ElfFile elf = ElfFile.parse(TestObjects.read(object));
        Pattern row = Pattern.compile("^\\s*(\\d+) (\\S*)\\s+([0-9a-f]{8}) ");
        List<String> expected = new ArrayList<>();
        for (String line : TestObjects.run(tool, "-h", object.toString()).split("\n")) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                expected.add(m.group(1) + " " + m.group(2) + " " + Long.parseLong(m.group(3), 16));
            }
        }
        List<String> actual = elf.sections().stream().map(s -> s.index() + " " + s.name() + " " + s.size()).toList();
        assertEquals(expected, actual);
        assertEquals(ElfFile.ET_REL, elf.elfType());
    }

    @ParameterizedTest
    @MethodSource("objects")
    void symbolsMatchLlvmReadelf(Path object) {
        String tool = TestObjects.requireTool("llvm-readelf").toString();
        ElfFile elf = ElfFile.parse(TestObjects.read(object));
        Pattern row = Pattern.compile("^\\s*(\\d+): ([0-9a-f]{16})\\s+(\\d+) (\\w+)\\s+(\\w+)\\s+\\w+\\s+(\\w+) ?(.*)$");
        List<String> expected = new ArrayList<>();
        for (String line : TestObjects.run(tool, "-s", "--wide", object.toString()).split("\n")) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                String ndx = switch (m.group(6)) {
                    case "UND" -> "0";
                    case "ABS" -> String.valueOf(ElfFile.SHN_ABS);
                    default -> m.group(6);
                };
                expected.add(String.join(" ", m.group(1), Long.toString(Long.parseLong(m.group(2), 16)), m.group(3),
                        m.group(4), m.group(5), ndx, m.group(7)));
            }
        }
        List<String> actual = elf.symbols().stream().map(s -> String.join(" ", String.valueOf(s.index()),
                String.valueOf(s.value()), String.valueOf(s.size()), typeName(s.type()), bindName(s.binding()),
                String.valueOf(s.sectionIndex()), s.isSection() ? elf.section(s.sectionIndex()).name() : s.name())).toList();
        assertEquals(expected, actual);
    }

    @ParameterizedTest
    @MethodSource("objects")
    void relocationsMatchLlvmObjdump(Path object) {
        String tool = TestObjects.requireTool("llvm-objdump").toString();
        ElfFile elf = ElfFile.parse(TestObjects.read(object));
        List<String> expected = new ArrayList<>();
        String current = null;
        Pattern header = Pattern.compile("^RELOCATION RECORDS FOR \\[(.*)\\]:$");
        Pattern row = Pattern.compile("^([0-9a-f]{16}) (\\S+)\\s+(\\S+)$");
        for (String line : TestObjects.run(tool, "-r", object.toString()).split("\n")) {
            Matcher h = header.matcher(line);
            Matcher r = row.matcher(line);
            if (h.find()) {
                current = h.group(1);
            } else if (r.find()) {
                expected.add(current + " " + Long.parseLong(r.group(1), 16) + " " + r.group(2) + " " + r.group(3));
            }
        }
        List<String> actual = new ArrayList<>();
        for (ElfSection s : elf.sections()) {
            for (ElfRelocation rel : elf.relocations(s)) {
                String sym = rel.symbol().isSection() ? elf.section(rel.symbol().sectionIndex()).name() : rel.symbol().name();
                actual.add(s.name() + " " + rel.offset() + " " + rel.typeName() + " " + sym);
            }
        }
        assertEquals(expected, actual);
    }

    @Test
    void sectionBytesAreTheFileBytes() {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ElfFile elf = ElfFile.parse(bytes);
        ElfSection xdp = elf.section("xdp").orElseThrow();
        assertTrue(xdp.isExecutable());
        byte[] data = xdp.copyBytes();
        for (int i = 0; i < data.length; i++) {
            assertEquals(bytes[(int) xdp.offset() + i], data[i]);
        }
        ElfSection bss = elf.section(".bss").orElseThrow();
        assertTrue(bss.isNoBits());
        assertEquals(4, bss.copyBytes().length);
        assertEquals(List.of("hello"), elf.symbolsIn(xdp).stream().filter(ElfSymbol::isFunction).map(ElfSymbol::name).toList());
    }

    @Test
    void rejectsWhatIsNotAnEbpfObject() {
        byte[] hello = TestObjects.read(TestObjects.example("hello.bpf.o"));
        assertMessage("shorter than the 64-byte", new byte[10]);
        assertMessage("bad magic", new byte[64]);
        byte[] wrongMachine = hello.clone();
        wrongMachine[18] = 62; // EM_X86_64
        assertMessage("not EM_BPF", wrongMachine);
        byte[] bigEndian = hello.clone();
        bigEndian[5] = 2;
        assertMessage("big-endian", bigEndian);
        byte[] elf32 = hello.clone();
        elf32[4] = 1;
        assertMessage("ELF class", elf32);
    }

    @Test
    void rejectsTruncatedFilesSayingWhere() {
        byte[] hello = TestObjects.read(TestObjects.example("hello.bpf.o"));
        for (int len = 0; len < hello.length; len += 7) {
            byte[] cut = java.util.Arrays.copyOf(hello, len);
            BpfFormatException e = assertThrows(BpfFormatException.class, () -> ElfFile.parse(cut), "length " + len);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }

    @Test
    void rejectsSectionPastTheEndNamingTheSection() {
        byte[] hello = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ElfFile elf = ElfFile.parse(hello);
        ElfSection xdp = elf.section("xdp").orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(hello).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        b.putLong((int) shoff + xdp.index() * 64 + 32, 1L << 40);
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> ElfFile.parse(hello));
        assertTrue(e.getMessage().contains("(xdp)"), e.getMessage());
        assertTrue(e.getMessage().contains("outside the file"), e.getMessage());
    }

    private static void assertMessage(String fragment, byte[] bytes) {
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> ElfFile.parse(bytes));
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
    }

    private static String typeName(int type) {
        return switch (type) {
            case ElfSymbol.STT_NOTYPE -> "NOTYPE";
            case ElfSymbol.STT_OBJECT -> "OBJECT";
            case ElfSymbol.STT_FUNC -> "FUNC";
            case ElfSymbol.STT_SECTION -> "SECTION";
            case ElfSymbol.STT_FILE -> "FILE";
            default -> "?" + type;
        };
    }

    private static String bindName(int binding) {
        return switch (binding) {
            case ElfSymbol.STB_LOCAL -> "LOCAL";
            case ElfSymbol.STB_GLOBAL -> "GLOBAL";
            case ElfSymbol.STB_WEAK -> "WEAK";
            default -> "?" + binding;
        };
    }
}
