package dev.ebpf4j.loader.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.KernelStruct;

/** LoadOptions.withFallback: the VM options of one BpfObject load (target BTF, current task, ksyms). */
class FallbackLoadOptionsTest {
    /** A made-up kernel: task_struct with tgid at 0x10 and pid at 0x8f0. */
    private static final Btf TARGET = Btf.of(List.of(
            new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
            new BtfType.Struct("task_struct", 0x900, false, List.of(
                    new BtfType.Member("tgid", 1, 0x10 * 8, 0),
                    new BtfType.Member("pid", 1, 0x8f0 * 8, 0)))));

    @Test
    void theTaskAndTargetBtfGivenForOneLoadAreWhatTheProgramReads() {
        KernelStruct task = KernelStruct.builder(TARGET, "task_struct").set("pid", 99).set("tgid", 98).build();
        LoadOptions options = LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK)
                .withFallback(vm -> vm.withTargetBtf(TARGET))
                .withFallback(vm -> vm.withCurrentTask(task));
        // task_btf.bpf.o also has write_task, which stores through the task and is refused: leave it out
        ObjectSpec all = ObjectSpec.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/task_btf.bpf.o"));
        ObjectSpec readOnly = new ObjectSpec(all.name(), all.license(), all.kernelVersion(),
                all.programs().stream().filter(p -> p.name().equals("read_task")).toList(), all.functions(), all.maps(),
                all.btf(), all.btfExt(), all.elf());
        try (BpfObject obj = BpfObject.of(readOnly).load(options)) {
            assertEquals(0, obj.program("read_task").testRun(TestRun.Input.of(new byte[0]).withContext(new byte[64])).retval());
            assertEquals(99L, obj.globals(".bss").getLong("seen_pid"));
        }
    }

    @Test
    void aKsymTheLoadDoesNotSupplyIsTheReasonTheVmRefuses() {
        BpfObject obj = BpfObject.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/ksym.bpf.o"));
        BpfLoadException e = assertThrows(BpfLoadException.class,
                () -> obj.load(LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK)));
        assertTrue(e.getMessage().contains("VmOptions.withKsym"), e.getMessage());
    }
}
