package dev.ebpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.kernel.KernelBtf;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

class GlobalsTest {
    private static final ObjectSpec GLOBALS = ObjectSpec.open(TestObjects.example("globals.bpf.o"));

    private static Globals live(String section) {
        MapSpec spec = GLOBALS.map(section).orElseThrow();
        MemorySegment mem = Arena.ofAuto().allocate(spec.valueSize(), 8);
        mem.copyFrom(MemorySegment.ofArray(spec.initialValue()));
        return new Globals(spec, mem, KernelBtf.prepare(GLOBALS, KernelBtf.Features.ALL), null);
    }

    @Test
    void readsInitialValuesByName() {
        Globals rodata = live(".rodata");
        assertEquals(64, rodata.getInt("min_len"));
        assertEquals("hi from rodata", rodata.format("greeting"));
        Globals data = live(".data");
        assertEquals(-1, data.getInt("last_len"));
        assertEquals(Map.of("bytes", 0L, "packets", 0L, "min", 65535L, "max", 0L), data.format("stats"));
        assertTrue(data.live());
    }

    @Test
    void writesAreSeenThroughTheSameMemory() {
        Globals bss = live(".bss");
        bss.setLong("seen_packets", 10_739);
        assertEquals(10_739, bss.getLong("seen_packets"));
        assertEquals(10_739L, bss.memory().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8));
        assertEquals(0, bss.getLong("long_packets"));
    }

    @Test
    void aCopyIsWrittenBackAfterEveryWrite() {
        MapSpec spec = GLOBALS.map(".bss").orElseThrow();
        AtomicInteger stores = new AtomicInteger();
        Globals bss = new Globals(spec, Arena.ofAuto().allocate(spec.valueSize()), null, m -> stores.incrementAndGet());
        assertFalse(bss.live());
        bss.setLong("long_packets", 3);
        bss.setBytes("seen_packets", new byte[8]);
        assertEquals(2, stores.get());
        assertArrayEquals(new byte[8], bss.getBytes("seen_packets"));
    }

    @Test
    void wrongNameOrSizeSaysWhat() {
        Globals data = live(".data");
        var e = assertThrows(java.util.NoSuchElementException.class, () -> data.getInt("nope"));
        assertEquals(".data has no variable 'nope' (it has: last_len, stats)", e.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> data.getLong("last_len"));
        assertTrue(s.getMessage().contains("is 4 bytes, not 8"), s.getMessage());
    }
}
