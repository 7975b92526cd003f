package dev.ebpf4j.loader.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ProcfsTest {

    @Test
    void cpuListsCountEveryListedCpu() {
        assertEquals(1, Procfs.parseCpuList("0"));
        assertEquals(4, Procfs.parseCpuList("0-3"));
        assertEquals(6, Procfs.parseCpuList("0-3,5,7"));
        assertEquals(3, Procfs.parseCpuList("0,2-3\n".strip()));
        assertThrows(IllegalArgumentException.class, () -> Procfs.parseCpuList(""));
        assertThrows(IllegalArgumentException.class, () -> Procfs.parseCpuList("3-1"));
    }

    @Test
    void fdinfoFindsTheFirstLineContainingTheKey() {
        List<String> lines = List.of("pos:\t0", "flags:\t02000002", "map_type:\t2", "memlock:\t4408", "frozen:\t1",
                "owner_prog_type:\t3");
        assertEquals(Optional.of("4408"), Procfs.fdinfo(lines, "memlock"));
        assertEquals(Optional.of("1"), Procfs.fdinfo(lines, "frozen"));
        // a substring match, as bpftool's strstr: "type" is first found in map_type
        assertEquals(Optional.of("2"), Procfs.fdinfo(lines, "type"));
        assertEquals(Optional.empty(), Procfs.fdinfo(lines, "owner_jited"));
        assertEquals(Optional.empty(), Procfs.fdinfo(List.of("memlock:"), "memlock"));
    }

    @Test
    void bootTimeZeroIsWhenTheMachineBooted() throws Exception {
        double uptime = Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime")).split(" ")[0]);
        Instant boot = Procfs.bootTimeToWallClock(0);
        Instant expected = Instant.now().minusMillis((long) (uptime * 1000));
        assertTrue(Duration.between(boot, expected).abs().getSeconds() <= 2, boot + " vs " + expected);
        long later = Procfs.bootTimeToWallClock(10_000_000_000L).getEpochSecond() - boot.getEpochSecond();
        assertTrue(later >= 9 && later <= 11, "10 s after boot is " + later + " s later");
    }

    @Test
    void tagsAreNormalized() {
        assertEquals("3b185187f1855c4c", Programs.normalizeTag("3B185187F1855C4C"));
        assertThrows(IllegalArgumentException.class, () -> Programs.normalizeTag("3b18"));
    }
}
