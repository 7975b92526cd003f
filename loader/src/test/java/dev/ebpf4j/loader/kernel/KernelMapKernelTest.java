package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.object.testing.TestObjects;

/** Map operations on kernel maps, with the kernel's refusals named. */
class KernelMapKernelTest {

    private static byte[] u16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) v).array();
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    @Test
    void hashMapOperationsAndTheirErrors() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("mapops");
        try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(KernelTests.kernel(pins))) {
            BpfMap ports = obj.map("blocked_ports");
            ports.update(u16(53), u64(7), UpdateFlag.NOEXIST);
            BpfMapException exists = assertThrows(BpfMapException.class, () -> ports.update(u16(53), u64(8), UpdateFlag.NOEXIST));
            assertEquals("EEXIST", exists.errnoName());
            assertTrue(exists.getMessage().contains("blocked_ports") && exists.getMessage().contains("EEXIST")
                    && exists.getMessage().contains("NOEXIST"), exists.getMessage());
            assertArrayEquals(u64(7), ports.lookup(u16(53)).orElseThrow(), "a refused update changes nothing");

            BpfMapException missing = assertThrows(BpfMapException.class, () -> ports.update(u16(54), u64(1), UpdateFlag.EXIST));
            assertEquals("ENOENT", missing.errnoName());
            assertTrue(missing.getMessage().contains("ENOENT"), missing.getMessage());
            ports.update(u16(53), u64(9), UpdateFlag.EXIST);
            assertArrayEquals(u64(9), ports.lookup(u16(53)).orElseThrow());

            assertFalse(ports.delete(u16(54)), "delete of an absent key");
            assertTrue(ports.lookup(u16(54)).isEmpty());

            Set<Integer> want = new HashSet<>(List.of(53, 80, 443, 8080));
            for (int p : want) {
                ports.update(u16(p), u64(p));
            }
            Set<Integer> seen = new HashSet<>();
            for (byte[] k : ports.keys()) {
                seen.add(ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).getShort() & 0xffff);
            }
            assertEquals(want, seen);
            KernelMap kernelPorts = (KernelMap) ports;
            List<Map.Entry<byte[], byte[]>> batch = kernelPorts.lookupBatch(3);
            assertEquals(4, batch.size());
            for (Map.Entry<byte[], byte[]> e : batch) {
                int port = ByteBuffer.wrap(e.getKey()).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
                long v = ByteBuffer.wrap(e.getValue()).order(ByteOrder.nativeOrder()).getLong();
                assertEquals(port, v, "the value stored under port " + port);
            }
            assertTrue(ports.delete(u16(80)));
            assertFalse(ports.delete(u16(80)));
            assertArrayEquals(u64(443), kernelPorts.lookupAndDelete(u16(443)).orElseThrow());
            assertTrue(kernelPorts.lookupAndDelete(u16(443)).isEmpty());
            assertEquals(2, ports.keys().size());

            kernelPorts.updateBatch(List.of(u16(1000), u16(1001), u16(1002)), List.of(u64(1), u64(2), u64(3)));
            assertEquals(5, ports.keys().size());
            assertArrayEquals(u64(2), ports.lookup(u16(1001)).orElseThrow());
            kernelPorts.updateBatch(List.of(u16(1001)), List.of(u64(20)));
            assertArrayEquals(u64(20), ports.lookup(u16(1001)).orElseThrow(), "a batch replaces");
            BpfMapException partial = assertThrows(BpfMapException.class,
                    () -> kernelPorts.deleteBatch(List.of(u16(1000), u16(2000), u16(1001))));
            assertEquals("ENOENT", partial.errnoName());
            assertTrue(partial.getMessage().contains("(1 of 3 done)"), partial.getMessage());
            assertTrue(ports.lookup(u16(1000)).isEmpty(), "what was deleted before the missing key stays deleted");
            kernelPorts.deleteBatch(List.of(u16(1001), u16(1002)));
            assertEquals(2, ports.keys().size());

            assertThrows(IllegalArgumentException.class, () -> ports.lookup(new byte[4]), "key size is checked");
            assertThrows(IllegalArgumentException.class, () -> ports.update(u16(1), new byte[4]), "value size is checked");
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void perCpuValuesHaveOneSlotPerPossibleCpu() throws Exception {
        KernelTests.requireKernel();
        int cpus = KernelProbes.parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
        Path pins = KernelTests.pinDir("percpu");
        try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(KernelTests.kernel(pins))) {
            KernelMap verdicts = (KernelMap) obj.map("verdicts");
            assertEquals(cpus, verdicts.valuesPerEntry());
            assertEquals(8 * cpus, verdicts.valueSize());
            byte[] value = new byte[8 * cpus];
            ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
            for (int cpu = 0; cpu < cpus; cpu++) {
                b.putLong(cpu * 8, 100 + cpu);
            }
            verdicts.update(u32(1), value);
            byte[] back = verdicts.lookup(u32(1)).orElseThrow();
            assertArrayEquals(value, back, "each CPU keeps its own value");
            assertEquals(2, verdicts.keys().size(), "an array has every key");
            BpfMapException e2big = assertThrows(BpfMapException.class, () -> verdicts.update(u32(2), value));
            assertEquals("E2BIG", e2big.errnoName(), e2big.getMessage());
            assertThrows(IllegalArgumentException.class, () -> verdicts.update(u32(0), new byte[8 * cpus + 8]));
            assertEquals(2, verdicts.lookupBatch(1).size());
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void pinningOutsideBpffsOrOntoAnExistingPathIsRefusedClearly() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("pin");
        try (BpfObject obj = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins))) {
            BpfMap bss = obj.map(".bss");
            PinException outside = assertThrows(PinException.class, () -> bss.pin(Path.of("/tmp/ebpf4j-not-bpffs")));
            assertTrue(outside.getMessage().contains("not in a BPF file system"), outside.getMessage());
            Path at = pins.resolve("bss");
            bss.pin(at);
            assertTrue(Files.exists(at));
            PinException exists = assertThrows(PinException.class, () -> bss.pin(at));
            assertTrue(exists.getMessage().contains("pin path exists"), exists.getMessage());
            Path progPin = pins.resolve("hello");
            obj.program("hello").pin(progPin);
            int id = ((KernelProgram) obj.program("hello")).id();
            String shown = TestObjects.run(TestObjects.requireTool("bpftool").toString(), "-j", "prog", "show", "pinned",
                    progPin.toString());
            assertTrue(shown.contains("\"id\":" + id + ","), shown);
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
