package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.Reference;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.ProgramTag;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.object.testing.TestObjects;

/** Every example the backend supports loads, with the kernel's program tags equal to the offline ones. */
class ExamplesKernelTest {

    @Test
    void everySupportedExampleLoadsWithTheOfflineTags() {
        KernelTests.requireKernel();
        KernelBackend backend = new KernelBackend();
        List<String> loaded = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (Path file : TestObjects.exampleObjects()) {
            ObjectSpec spec = ObjectSpec.open(file);
            Optional<String> why = backend.unavailableReason(spec);
            if (why.isPresent()) {
                refused.add(spec.name() + ": " + why.get());
                continue;
            }
            Path pins = KernelTests.pinDir(spec.name());
            try (BpfObject obj = BpfObject.of(spec).load(KernelTests.kernel(pins))) {
                assertEquals(RuntimeKind.KERNEL, obj.runtime().kind());
                assertEquals(spec.programs().size(), obj.programs().size());
                assertEquals(spec.maps().size() + (hasKconfig(spec) ? 1 : 0), obj.maps().size(), spec.name());
                for (ProgramSpec p : spec.programs()) {
                    BpfProgram prog = obj.program(p.name());
                    assertEquals(expectedTag(spec, p), prog.tag(), spec.name() + " program " + p.name());
                    assertTrue(((KernelProgram) prog).id() > 0);
                }
                loaded.add(spec.name());
            } finally {
                KernelTests.deleteTree(pins);
            }
        }
        assertEquals(List.of("advanced", "globals", "hello", "legacy_maps", "packet_filter", "syscall_counter", "task_info"),
                loaded, "refused: " + refused);
        assertEquals(List.of(), refused);
    }

    /** The offline tag; for a program with CO-RE relocations, of its instructions relocated for this kernel. */
    private static String expectedTag(ObjectSpec spec, ProgramSpec p) {
        if (!spec.coreRelocations(p).isEmpty()) {
            // CO-RE-relocated instructions, with the map references marked as submitted
            java.util.List<dev.ebpf4j.object.insn.Instruction> insns = new java.util.ArrayList<>(
                    spec.coreRelocate(p, KernelTypes.vmlinux()).instructions());
            for (Reference r : p.linkedReferences()) {
                int i = Instructions.indexOfSlot(insns, r.insnIndex());
                if (r instanceof Reference.MapFd) {
                    insns.set(i, insns.get(i).withSrc(Pseudo.MAP_FD));
                } else if (r instanceof Reference.MapValue) {
                    insns.set(i, insns.get(i).withSrc(Pseudo.MAP_VALUE));
                }
            }
            return ProgramTag.compute(insns, ProgramSpec.runningKernelTagAlgorithm());
        }
        return p.tag();
    }

    private static boolean hasKconfig(ObjectSpec spec) {
        return spec.btf() != null && KernelLoader.kconfigDatasec(spec.btf()).isPresent();
    }

    /**
     * task_info reads task_struct fields through CO-RE; relocated against this kernel's BTF, its exec tracepoint
     * reports the right pid, parent pid and command of a process we start, through its ring buffer.
     */
    @Test
    void coReProgramReadsTheRightTaskFields() throws Exception {
        KernelTests.requireKernel();
        ObjectSpec taskInfo = ObjectSpec.open(TestObjects.example("task_info.bpf.o"));
        Path pins = KernelTests.pinDir(taskInfo.name());
        try (BpfObject obj = BpfObject.of(taskInfo).load(KernelTests.kernel(pins));
             dev.ebpf4j.loader.ringbuf.RingBufferReader events = dev.ebpf4j.loader.ringbuf.RingBufferReader.open(
                     ((KernelMap) obj.map("events")).fd(), obj.map("events").spec().maxEntries());
             dev.ebpf4j.loader.link.Link link = dev.ebpf4j.loader.link.Attach.tracepoint(
                     ((KernelProgram) obj.program("on_exec")).fd(), "sched", "sched_process_exec")) {
            Process child = new ProcessBuilder("/bin/true").start();
            long childPid = child.pid();
            child.waitFor();
            java.util.List<String> seen = new java.util.ArrayList<>();
            boolean found = false;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!found && System.nanoTime() < deadline) {
                java.util.List<String> batch = new java.util.ArrayList<>();
                events.poll(200, r -> {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    byte[] comm = new byte[16];
                    b.get(12, comm);
                    int n = 0;
                    while (n < 16 && comm[n] != 0) {
                        n++;
                    }
                    batch.add(b.getInt(0) + " " + b.getInt(4) + " " + b.getInt(8) + " " + new String(comm, 0, n));
                });
                seen.addAll(batch);
                found = batch.contains(childPid + " " + ProcessHandle.current().pid() + " 1 true");
            }
            assertTrue(found, "no exec event for pid " + childPid + " (parent " + ProcessHandle.current().pid()
                    + ", kind PIDTYPE_TGID=1, comm true) among " + seen);
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    /**
     * The kprobe side of task_info: on_open, relocated by CO-RE, attached to do_sys_openat2, reports this JVM's
     * own pid, parent and the open kind for a file we open. Runs where the kernel has kprobes (the qemu guests;
     * this host's kernel is built without CONFIG_KPROBES).
     */
    @Test
    void coReKprobeReadsTheOpeningTask() throws Exception {
        KernelTests.requireKernel();
        TestObjects.skipIfKernelLacks(dev.ebpf4j.loader.tracefs.Tracefs.hasKprobePmu(), "no kprobe PMU (CONFIG_KPROBES)");
        ObjectSpec taskInfo = ObjectSpec.open(TestObjects.example("task_info.bpf.o"));
        Path pins = KernelTests.pinDir(taskInfo.name() + "-kprobe");
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        try (BpfObject obj = BpfObject.of(taskInfo).load(KernelTests.kernel(pins));
             dev.ebpf4j.loader.ringbuf.RingBufferReader events = dev.ebpf4j.loader.ringbuf.RingBufferReader.open(
                     ((KernelMap) obj.map("events")).fd(), obj.map("events").spec().maxEntries());
             dev.ebpf4j.loader.link.Link link = obj.program("on_open").attach()) {
            assertEquals("kprobe do_sys_openat2", link.describe());
            boolean found = false;
            java.util.List<String> seen = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!found && System.nanoTime() < deadline) {
                java.nio.file.Files.readAllBytes(Path.of("/proc/self/stat"));
                java.util.List<String> batch = new java.util.ArrayList<>();
                events.poll(100, r -> {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    batch.add(b.getInt(0) + " " + b.getInt(4) + " " + b.getInt(8));
                });
                seen.addAll(batch);
                found = batch.contains(self + " " + parent + " 2"); // TASK_INFO_OPEN
            }
            assertTrue(found, "no open event for pid " + self + " (parent " + parent + ", kind 2) among "
                    + seen.subList(0, Math.min(20, seen.size())));
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
