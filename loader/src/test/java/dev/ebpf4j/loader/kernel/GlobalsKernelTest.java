package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.testing.TestObjects;

/** globals.bpf.o and advanced.bpf.o: every data section is mapped, initialised, and seen live from Java. */
class GlobalsKernelTest {

    @Test
    void everyDataSectionIsLiveAndInitialised() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("globals");
        try (BpfObject obj = BpfObject.open(TestObjects.example("globals.bpf.o")).load(KernelTests.kernel(pins))) {
            Globals rodata = obj.globals(".rodata");
            Globals bss = obj.globals(".bss");
            Globals data = obj.globals(".data");
            Globals counters = obj.globals(".data.counters");
            Globals consts = obj.globals(".rodata.consts");
            for (Globals g : new Globals[] {rodata, bss, data, counters, consts}) {
                assertTrue(g.live(), g.section());
            }
            assertTrue(rodata.memory().isReadOnly() && consts.memory().isReadOnly(), "frozen sections are read-only");
            assertEquals(64, rodata.getInt("min_len"));
            assertEquals("hi from rodata", new String(rodata.getBytes("greeting")).replace("\0", ""));
            assertEquals(0xebbf4, consts.getInt("magic"));
            assertEquals(-1, data.getInt("last_len"));
            assertEquals(7, counters.getInt("custom_counter"));

            TestRun.Result r = obj.program("classify").testRun(TestRun.Input.of(new byte[100]).withRepeat(3));
            assertEquals(0, r.retval(), "TC_ACT_OK");
            assertEquals(3, bss.getLong("seen_packets"));
            assertEquals(3, bss.getLong("long_packets"));
            assertEquals(100, data.getInt("last_len"));
            assertEquals(7, counters.getInt("custom_counter"), "magic & 1 is 0");

            data.setInt("last_len", 5); // a write from Java is seen by the kernel's map
            byte[] value = obj.map(".data").lookup(new byte[4]).orElseThrow();
            assertEquals(5, java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).getInt(0));
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void kconfigHoldsTheRunningKernelsVersion() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("kconfig");
        try (BpfObject obj = BpfObject.open(TestObjects.example("advanced.bpf.o")).load(KernelTests.kernel(pins))) {
            Globals kconfig = obj.globals(".kconfig");
            assertTrue(kconfig.live() && kconfig.memory().isReadOnly());
            assertEquals(KernelProbes.kernelVersionCode(), kconfig.getInt("LINUX_KERNEL_VERSION"));
            assertTrue(KernelProbes.kernelVersionCode() > (5 << 16));
            assertEquals("advance.kconfig", obj.map(".kconfig").spec().kernelName());
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
