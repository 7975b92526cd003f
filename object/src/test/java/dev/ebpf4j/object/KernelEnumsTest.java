package dev.ebpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.testing.TestObjects;

/** The program, map and attach type numbers agree with the kernel's UAPI header where it has them. */
class KernelEnumsTest {
    private static final Path HEADER = Path.of("/usr/include/linux/bpf.h");

    @Test
    void programTypesMatchTheHeader() throws Exception {
        check("bpf_prog_type", "BPF_PROG_TYPE_", ProgramType.values());
    }

    @Test
    void mapTypesMatchTheHeader() throws Exception {
        check("bpf_map_type", "BPF_MAP_TYPE_", MapType.values());
    }

    @Test
    void attachTypesMatchTheHeader() throws Exception {
        check("bpf_attach_type", "BPF_", AttachType.values());
    }

    @Test
    void namesRoundTrip() {
        assertEquals(MapType.RINGBUF, MapType.byBpftoolName("ringbuf").orElseThrow());
        assertEquals("sched_cls", ProgramType.SCHED_CLS.bpftoolName());
        assertEquals("type 999", ProgramType.describe(999));
        assertEquals(ProgramType.XDP, ProgramType.of(6).orElseThrow());
        assertTrue(AttachType.of(-1).isEmpty());
    }

    private static void check(String enumName, String prefix, Enum<?>[] ours) throws Exception {
        TestObjects.skipUnless(Files.isReadable(HEADER), HEADER + " is missing (apt-get install linux-libc-dev)");
        String text = Files.readString(HEADER);
        Matcher body = Pattern.compile("enum " + enumName + " \\{(.*?)\\n\\};", Pattern.DOTALL).matcher(text);
        assertTrue(body.find(), "enum " + enumName + " not found");
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("^\\s*" + prefix + "([A-Z0-9_]+)\\s*(=\\s*\\d+)?\\s*,", Pattern.MULTILINE).matcher(body.group(1));
        while (m.find()) {
            if (m.group(2) != null && !m.group(2).replaceAll("[=\\s]", "").equals(String.valueOf(names.size()))) {
                throw new AssertionError("explicit value " + m.group(2) + " for " + m.group(1) + " breaks the sequence");
            }
            names.add(m.group(1));
        }
        assertTrue(names.size() > 20, "too few constants parsed: " + names);
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i).toLowerCase(Locale.ROOT), ((Enum<?>) ours[i]).name().toLowerCase(Locale.ROOT),
                    enumName + " value " + i);
        }
    }
}
