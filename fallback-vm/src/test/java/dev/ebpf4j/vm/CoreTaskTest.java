package dev.ebpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.context.RawContext;
import dev.ebpf4j.vm.maps.RingBufMap;
import dev.ebpf4j.vm.verifier.Verifier;
import dev.ebpf4j.vm.verifier.VerifierOptions;

/**
 * CO-RE in the VM: {@code examples/task_info.bpf.o} (bpf_get_current_task, BPF_CORE_READ of task_struct fields
 * through probe_read_kernel, a field-exists check, an enum value) relocated against a target BTF reads the values the
 * caller put into a task laid out by that BTF.
 */
class CoreTaskTest {
    private static final ObjectSpec TASK_INFO = ObjectSpec.open(TestObjects.example("task_info.bpf.o"));

    /** One {@code struct task_event} of task_info.bpf.c. */
    record Event(int pid, int ppid, int kind, String comm) {
        static Event of(byte[] b) {
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            int n = 0;
            while (n < 16 && b[12 + n] != 0) {
                n++;
            }
            return new Event(bb.getInt(0), bb.getInt(4), bb.getInt(8), new String(b, 12, n, StandardCharsets.UTF_8));
        }
    }

    private static List<Event> run(VmOptions options) {
        BpfVm vm = new BpfVm(options);
        for (ProgramSpec p : TASK_INFO.programs()) {
            // the verifier takes the relocated programs
            Verifier.verify(CoreTarget.instructions(TASK_INFO, p, options), VerifierOptions.forProgram(TASK_INFO, p));
        }
        VmObject obj = vm.load(TASK_INFO);
        assertTrue(obj.failures().isEmpty(), obj.failures().toString());
        assertEquals(0, obj.program("on_exec").run(RawContext.of(new byte[64])).retval());
        assertEquals(0, obj.program("on_open").run(RawContext.of(new byte[168])).retval());
        return obj.map("events", RingBufMap.class).drain().stream().map(Event::of).toList();
    }

    @Test
    void taskInfoReadsTheTaskBuiltFromTheRunningKernelsBtf() {
        TestObjects.skipUnless(CoreTarget.running().isPresent(), CoreTarget.VMLINUX + " is not readable");
        Btf vmlinux = CoreTarget.running().orElseThrow();
        KernelStruct parent = KernelStruct.builder(vmlinux, "task_struct").set("pid", 1).set("tgid", 1)
                .set("comm", "systemd").build();
        KernelStruct task = KernelStruct.builder(vmlinux, "task_struct").set("pid", 4243).set("tgid", 4242)
                .set("comm", "bash").pointer("real_parent", parent).build();
        // the default target is the running kernel's BTF
        List<Event> events = run(VmOptions.defaults().withCurrentTask(task));
        assertEquals(List.of(new Event(4242, 1, 1, "bash"), new Event(4242, 1, 2, "bash")), events);
    }

    /**
     * A made-up kernel whose task_struct has the fields at other offsets and in another order: the values still come
     * out right, so the offsets come from the target BTF, not from the object.
     */
    @Test
    void taskInfoFollowsTheTargetBtfLayout() {
        Btf target = Btf.of(List.of(
                new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32), // 1
                new BtfType.Int("char", 1, BtfType.Int.SIGNED | BtfType.Int.CHAR, 0, 8), // 2
                new BtfType.Array("", 2, 1, 16), // 3: char[16]
                new BtfType.Ptr(5), // 4: struct task_struct *
                new BtfType.Struct("task_struct", 0x600, false, List.of( // 5
                        new BtfType.Member("comm", 3, 0x100 * 8, 0),
                        new BtfType.Member("real_parent", 4, 0x200 * 8, 0),
                        new BtfType.Member("tgid", 1, 0x404 * 8, 0),
                        new BtfType.Member("pid", 1, 0x500 * 8, 0))),
                new BtfType.Enum("pid_type", 4, false, List.of(new BtfType.EnumValue("PIDTYPE_PID", 0),
                        new BtfType.EnumValue("PIDTYPE_TGID", 1), new BtfType.EnumValue("PIDTYPE_PGID", 2),
                        new BtfType.EnumValue("PIDTYPE_SID", 3), new BtfType.EnumValue("PIDTYPE_MAX", 4)))));
        KernelStruct.Builder b = KernelStruct.builder(target, "task_struct");
        assertEquals(0x404, b.field("tgid").offset());
        KernelStruct grandparent = KernelStruct.builder(target, "task_struct").set("tgid", 1).build();
        KernelStruct parent = KernelStruct.builder(target, "task_struct").set("tgid", 777).set("comm", "sshd")
                .pointer("real_parent", grandparent).build();
        KernelStruct task = b.set("pid", 31337).set("tgid", 31330).set("comm", "a-name-longer-than-15")
                .pointer("real_parent", parent).build();
        List<Event> events = run(VmOptions.defaults().withTargetBtf(target).withCurrentTask(task));
        // comm is cut to 15 bytes and a NUL, as the kernel keeps it
        assertEquals(List.of(new Event(31330, 777, 1, "a-name-longer-t"), new Event(31330, 777, 2, "a-name-longer-t")),
                events);
    }

    /** {@code fallback-vm/src/test/c/task_btf.bpf.o}: loads through {@code bpf_get_current_task_btf}. */
    @Test
    void currentTaskBtfIsReadByLoads() {
        ObjectSpec spec = ObjectSpec.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/task_btf.bpf.o"));
        Btf target = Btf.of(List.of(
                new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct("task_struct", 0x900, false, List.of(
                        new BtfType.Member("tgid", 1, 0x10 * 8, 0),
                        new BtfType.Member("pid", 1, 0x8f0 * 8, 0)))));
        VmOptions options = VmOptions.defaults().withTargetBtf(target).withCurrentTask(
                KernelStruct.builder(target, "task_struct").set("pid", 99).set("tgid", 98).build());
        ProgramSpec read = spec.program("read_task").orElseThrow();
        Verifier.verify(CoreTarget.instructions(spec, read, options), VerifierOptions.forProgram(spec, read));
        VmObject obj = new BpfVm(options).load(spec);
        assertEquals(0, obj.program("read_task").run(RawContext.of(new byte[64])).retval());
        assertEquals(99, obj.readGlobal("seen_pid"));
        assertEquals(98, obj.readGlobal("seen_tgid"));

        // a store through the task pointer is refused, as the kernel refuses it
        ProgramSpec write = spec.program("write_task").orElseThrow();
        dev.ebpf4j.vm.verifier.VerifierException e = assertThrows(dev.ebpf4j.vm.verifier.VerifierException.class,
                () -> Verifier.verify(CoreTarget.instructions(spec, write, options),
                        VerifierOptions.forProgram(spec, write)));
        assertEquals("only read is supported", e.reason());
        assertEquals(2, e.insnIndex());
    }

    /** {@code fallback-vm/src/test/c/ksym.bpf.o}: a typed ksym read directly. */
    @Test
    void aTypedKsymReadsTheBytesSuppliedOrIsRefusedByName() {
        ObjectSpec spec = ObjectSpec.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/ksym.bpf.o"));
        ProgramSpec p = spec.program("over_limit").orElseThrow();
        assertEquals(8, VerifierOptions.ksymSize(spec, "ebpf4j_limits"));
        Verifier.verify(p.linkedInstructions(), VerifierOptions.forProgram(spec, p));
        byte[] limits = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(10).putInt(100).array();
        VmObject obj = new BpfVm(VmOptions.defaults().withKsym("ebpf4j_limits", KernelStruct.of("ebpf4j_limits", limits)))
                .load(spec);
        VmProgram prog = obj.program("over_limit");
        assertEquals(2, prog.run(new dev.ebpf4j.vm.context.XdpContext(new byte[64], 100, 0, 0)).retval(),
                "XDP_PASS at the limit");
        assertEquals(1, prog.run(new dev.ebpf4j.vm.context.XdpContext(new byte[64], 101, 0, 0)).retval(),
                "XDP_DROP over it");

        VmObject without = BpfVm.create().load(spec);
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> without.program("over_limit"));
        assertEquals("program 'over_limit' instruction 0: ksym 'ebpf4j_limits' is a kernel variable, and the fallback"
                + " VM has no kernel memory: supply its bytes with VmOptions.withKsym(\"ebpf4j_limits\", ...)",
                e.getMessage());
    }

    @Test
    void aRawLddwOfAKernelVariableIsRefused() {
        // lddw r1, BTF id 42 (BPF_PSEUDO_BTF_ID): no object, so no symbol to supply
        List<dev.ebpf4j.object.insn.Instruction> insns = List.of(
                dev.ebpf4j.object.insn.Instruction.loadImm64(1, 42L).withSrc(dev.ebpf4j.object.insn.Pseudo.BTF_ID),
                dev.ebpf4j.object.insn.Instruction.mov64(0, 0), dev.ebpf4j.object.insn.Instruction.exit());
        dev.ebpf4j.vm.verifier.VerifierException e = assertThrows(dev.ebpf4j.vm.verifier.VerifierException.class,
                () -> Verifier.verify(insns, VerifierOptions.of(dev.ebpf4j.object.ProgramType.KPROBE)));
        assertEquals("insn 0: lddw of a kernel variable (BTF id 42) is not supported", e.getMessage());
    }

    @Test
    void withoutATaskTheProgramsReadZeros() {
        TestObjects.skipUnless(CoreTarget.running().isPresent(), CoreTarget.VMLINUX + " is not readable");
        // the default task: DEFAULT_TASK_SIZE zero bytes, so every field is 0 and real_parent is NULL (the read of its
        // tgid faults, and probe_read_kernel leaves zeros, as in the kernel)
        assertEquals(List.of(new Event(0, 0, 1, ""), new Event(0, 0, 2, "")), run(VmOptions.defaults()));
        assertEquals(16 * 1024, VmOptions.defaults().currentTask().bytes().length);
    }

    @Test
    void programsCannotWriteTheTask() {
        KernelStruct task = KernelStruct.of("task_struct", new byte[64]);
        BpfVm vm = new BpfVm(VmOptions.defaults().withCurrentTask(task));
        long at = vm.currentTaskAddress();
        assertEquals(at, vm.currentTaskAddress(), "mapped once");
        var memory = new dev.ebpf4j.vm.memory.AddressSpace(vm.sharedRegions());
        assertEquals(0, memory.load(at + 8, 8));
        BpfRuntimeException e = assertThrows(BpfRuntimeException.class, () -> memory.store(at + 8, 8, 1));
        assertTrue(e.getMessage().contains("task_struct"), e.getMessage());
    }

    @Test
    void theBuilderNamesWhatItCannotFill() {
        Btf target = Btf.of(List.of(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct("task_struct", 8, false, List.of(new BtfType.Member("pid", 1, 0, 0)))));
        KernelStruct.Builder b = KernelStruct.builder(target, "task_struct");
        assertEquals("task_struct.tgid: struct task_struct has no member 'tgid'",
                assertThrows(IllegalArgumentException.class, () -> b.set("tgid", 1)).getMessage());
        assertEquals("the BTF has no struct or union named 'rq'",
                assertThrows(IllegalArgumentException.class, () -> KernelStruct.builder(target, "rq")).getMessage());
        assertEquals("task_struct.pid is int, not a pointer",
                assertThrows(IllegalArgumentException.class,
                        () -> b.pointer("pid", KernelStruct.zeroTask())).getMessage());
    }
}
