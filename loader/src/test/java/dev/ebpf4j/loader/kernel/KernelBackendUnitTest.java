package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** The parts of the kernel backend that need no kernel. */
class KernelBackendUnitTest {

    @Test
    void summaryIsTheLastLineThatSaysWhy() {
        String log = """
                0: R1=ctx() R10=fp0
                2: (71) r3 = *(u8 *)(r10 -600)
                invalid read from stack R10 off=-600 size=1
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

                """;
        assertEquals("invalid read from stack R10 off=-600 size=1", VerifierLog.summary(log));
        assertEquals("", VerifierLog.summary(""));
        assertEquals("", VerifierLog.summary(null));
        assertEquals("R0 !read_ok", VerifierLog.summary("0: (95) exit\nR0 !read_ok\nverification time 5 usec\nstack depth 0\n"));
        assertEquals("processed 1 insns (limit 1000000)", VerifierLog.summary("processed 1 insns (limit 1000000)\n"),
                "a log of statistics only gives its last line");
        assertEquals("b\nc", VerifierLog.tail("a\nb\nc\n\n", 2));
    }

    @Test
    void exceptionMessageNamesProgramErrnoAndReason() {
        ProgramLoadException e = new ProgramLoadException("hello", "hello", 13,
                "2: (71) r3 = *(u8 *)(r10 -600)\ninvalid read from stack R10 off=-600 size=1\nprocessed 2 insns\n", false);
        assertEquals("EACCES", e.errnoName());
        assertEquals("invalid read from stack R10 off=-600 size=1", e.summary());
        assertTrue(e.getMessage().startsWith("hello: the kernel refused program 'hello' (EACCES: Permission denied):"
                + " invalid read from stack R10 off=-600 size=1"), e.getMessage());
        assertTrue(e.getMessage().contains("2: (71) r3"), e.getMessage());
        ProgramLoadException noLog = new ProgramLoadException("o", "p", 22, "", false);
        assertEquals("o: the kernel refused program 'p' (EINVAL: Invalid argument)", noLog.getMessage());
    }

    @Test
    void possibleCpuLists() {
        assertEquals(1, KernelProbes.parseCpuList("0\n"));
        assertEquals(2, KernelProbes.parseCpuList("0-1\n"));
        assertEquals(9, KernelProbes.parseCpuList("0-3,5,7-8"));
        assertThrows(IllegalArgumentException.class, () -> KernelProbes.parseCpuList(""));
    }

    @Test
    void kernelVersionCodes() {
        assertEquals((6 << 16) | (18 << 8) | 44, KernelProbes.versionCode("6.18.44-fc-v509"));
        assertEquals((5 << 16) | (4 << 8) | 255, KernelProbes.versionCode("5.4.300"));
        assertEquals((6 << 16) | (1 << 8), KernelProbes.versionCode("6.1-rc3"));
        assertEquals(0, KernelProbes.versionCode("weird"));
    }

    @Test
    void namesAsLibbpfGivesThem() {
        assertEquals("advance.kconfig", KernelLoader.internalMapName("advanced", ".kconfig"));
        assertEquals("hello.kconfig", KernelLoader.internalMapName("hello", ".kconfig"));
        assertEquals("a_very_long_pro", KernelLoader.programName("a_very_long_program_name"));
        assertEquals("x_y", KernelLoader.programName("x-y"));
    }

    @Test
    void whatTheLoaderDoesNotDoYetIsSaid() {
        Optional<String> core = KernelBackend.unsupportedFeature(ObjectSpec.open(TestObjects.example("task_info.bpf.o")));
        assertTrue(core.orElseThrow().startsWith("CO-RE relocations are not supported yet (issue 4)"), core.toString());
        for (String ok : new String[] {"hello.bpf.o", "advanced.bpf.o", "globals.bpf.o", "legacy_maps.bpf.o",
                "packet_filter.bpf.o", "syscall_counter.bpf.o"}) {
            assertEquals(Optional.empty(), KernelBackend.unsupportedFeature(ObjectSpec.open(TestObjects.example(ok))), ok);
        }
    }

    @Test
    void kconfigMapHoldsTheRunningKernelsVersion() {
        ObjectSpec advanced = ObjectSpec.open(TestObjects.example("advanced.bpf.o"));
        var map = KernelLoader.kconfigMap(advanced, KernelBtf.prepare(advanced, KernelBtf.Features.ALL));
        assertEquals("advance.kconfig", map.kernelName());
        assertTrue(map.readOnly());
        var v = map.variables().getFirst();
        assertEquals("LINUX_KERNEL_VERSION", v.name());
        int value = java.nio.ByteBuffer.wrap(map.initialValue()).order(java.nio.ByteOrder.nativeOrder()).getInt(v.offset());
        assertEquals(KernelProbes.versionCode(System.getProperty("os.version")), value);
        assertEquals(null, KernelLoader.kconfigMap(ObjectSpec.open(TestObjects.example("hello.bpf.o")),
                KernelBtf.prepare(ObjectSpec.open(TestObjects.example("hello.bpf.o")), KernelBtf.Features.ALL)));
    }
}
