package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.testing.TestObjects;

class HelperFunctionsTest {

    @Test
    void wellKnownIds() {
        assertEquals(Optional.of("bpf_unspec"), HelperFunctions.name(0));
        assertEquals(Optional.of("bpf_map_lookup_elem"), HelperFunctions.name(1));
        assertEquals(Optional.of("bpf_map_update_elem"), HelperFunctions.name(2));
        assertEquals(Optional.of("bpf_trace_printk"), HelperFunctions.name(6));
        assertEquals(Optional.of("bpf_get_current_pid_tgid"), HelperFunctions.name(14));
        assertEquals(Optional.of("bpf_ringbuf_output"), HelperFunctions.name(130));
        assertEquals(Optional.of("bpf_user_ringbuf_drain"), HelperFunctions.name(209));
        assertEquals(Optional.of("bpf_cgrp_storage_delete"), HelperFunctions.name(211));
        assertEquals(212, HelperFunctions.count());
        assertEquals(Optional.empty(), HelperFunctions.name(212));
        assertEquals(Optional.empty(), HelperFunctions.name(-1));
        assertEquals(OptionalInt.of(1), HelperFunctions.id("bpf_map_lookup_elem"));
        assertEquals(OptionalInt.of(1), HelperFunctions.id("map_lookup_elem"));
        assertEquals(OptionalInt.empty(), HelperFunctions.id("bpf_no_such_helper"));
    }

    @Test
    void namesAreUniqueAndIdsRoundTrip() {
        for (int id = 0; id < HelperFunctions.count(); id++) {
            String name = HelperFunctions.name(id).orElseThrow();
            assertTrue(name.startsWith("bpf_"), name);
            assertEquals(OptionalInt.of(id), HelperFunctions.id(name), name);
        }
    }

    /**
     * Parses the helper list of the installed UAPI header, in either of its two spellings: old
     * headers number {@code FN(name)} entries implicitly from 0, newer ones write
     * {@code FN(name, id, ##ctx)}.
     */
    static Map<Integer, String> parseHeader(String header) {
        int start = header.indexOf("define ___BPF_FUNC_MAPPER(");
        if (start < 0) {
            start = header.indexOf("define __BPF_FUNC_MAPPER(");
        }
        assertTrue(start >= 0, "no __BPF_FUNC_MAPPER in header");
        int end = header.indexOf("/* */", start);
        String body = header.substring(start, end);
        Map<Integer, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("FN\\((\\w+)(?:,\\s*(\\d+)\\s*,[^)]*)?\\)").matcher(body);
        int next = 0;
        // skip the macro's own parameter list "(FN)" / "(FN, ctx...)": it is not an FN( call
        while (m.find()) {
            int id = m.group(2) != null ? Integer.parseInt(m.group(2)) : next;
            out.put(id, "bpf_" + m.group(1));
            next = id + 1;
        }
        return out;
    }

    @Test
    void tableAgreesWithInstalledUapiHeader() throws IOException {
        Path header = Path.of("/usr/include/linux/bpf.h");
        TestObjects.skipUnless(Files.isReadable(header), "no " + header + " (apt-get install linux-libc-dev)");
        Map<Integer, String> fromHeader = parseHeader(Files.readString(header));
        assertTrue(fromHeader.size() > 150, "parsed only " + fromHeader.size() + " helpers");
        assertEquals("bpf_unspec", fromHeader.get(0));
        assertEquals("bpf_map_lookup_elem", fromHeader.get(1));
        for (Map.Entry<Integer, String> e : fromHeader.entrySet()) {
            assertEquals(Optional.of(e.getValue()), HelperFunctions.name(e.getKey()), "helper id " + e.getKey());
        }
        // the header may be older than the table, never newer
        assertTrue(fromHeader.size() <= HelperFunctions.count());
    }

    @Test
    void headerParserUnderstandsBothSpellings() {
        String old = "#define __BPF_FUNC_MAPPER(FN)\t\\\n\tFN(unspec),\t\\\n\tFN(map_lookup_elem),\t\\\n\t/* */\n";
        assertEquals(Map.of(0, "bpf_unspec", 1, "bpf_map_lookup_elem"), parseHeader(old));
        String modern = "#define ___BPF_FUNC_MAPPER(FN, ctx...)\t\\\n\tFN(unspec, 0, ##ctx)\t\\\n"
                + "\tFN(cgrp_storage_delete, 211, ##ctx)\t\\\n\t/* */\n";
        assertEquals(Map.of(0, "bpf_unspec", 211, "bpf_cgrp_storage_delete"), parseHeader(modern));
    }
}
