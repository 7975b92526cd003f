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
                    assertEquals(expectedTag(p), prog.tag(), spec.name() + " program " + p.name());
                    assertTrue(((KernelProgram) prog).id() > 0);
                }
                loaded.add(spec.name());
            } finally {
                KernelTests.deleteTree(pins);
            }
        }
        assertEquals(List.of("advanced", "globals", "hello", "legacy_maps", "packet_filter", "syscall_counter"), loaded,
                "refused: " + refused);
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.getFirst().startsWith("task_info: CO-RE relocations are not supported yet (issue 4)"), refused.toString());
    }

    /**
     * The offline tag; for a program with kconfig externs, over the code as libbpf (and this loader) submit it,
     * where the extern's lddw loads a {@code .kconfig} map value (src = BPF_PSEUDO_MAP_VALUE), which
     * {@link ProgramSpec#tag()} leaves as the object has it.
     */
    private static String expectedTag(ProgramSpec p) {
        if (p.linkedReferences().stream().noneMatch(r -> r instanceof Reference.Extern)) {
            return p.tag();
        }
        byte[] code = p.linkedCode();
        for (Reference r : p.linkedReferences()) {
            if (r instanceof Reference.Extern e) {
                int at = e.insnIndex() * 8;
                code[at + 1] = (byte) ((code[at + 1] & 0x0f) | (Pseudo.MAP_VALUE << 4));
            }
        }
        return ProgramTag.compute(Instructions.decode(code), ProgramSpec.runningKernelTagAlgorithm());
    }

    private static boolean hasKconfig(ObjectSpec spec) {
        return spec.btf() != null && KernelLoader.kconfigDatasec(spec.btf()).isPresent();
    }

    @Test
    void coReObjectsAreRefusedHonestlyUnderKernelAndAuto() {
        KernelTests.requireKernel();
        ObjectSpec taskInfo = ObjectSpec.open(TestObjects.example("task_info.bpf.o"));
        String why = new KernelBackend().unavailableReason(taskInfo).orElseThrow();
        assertTrue(why.contains("CO-RE relocations are not supported yet (issue 4)"), why);
        assertTrue(why.contains("on_open") && why.contains("on_exec"), why);
        BpfObject obj = BpfObject.of(taskInfo);
        BpfLoadException e = assertThrows(BpfLoadException.class,
                () -> obj.load(KernelTests.kernel(KernelTests.BPFFS)));
        assertTrue(e.getMessage().contains("CO-RE relocations are not supported yet"), e.getMessage());
        // AUTO never picks the kernel for it: the fallback VM if this build has one, else an error with the reason
        try {
            var choice = obj.choose(RuntimeKind.AUTO);
            assertEquals(RuntimeKind.FALLBACK, choice.kind());
            assertTrue(choice.reason().contains("CO-RE relocations are not supported yet"), choice.reason());
        } catch (BpfLoadException noRuntime) {
            assertTrue(noRuntime.getMessage().contains("CO-RE relocations are not supported yet"), noRuntime.getMessage());
        }
        obj.close();
        assertFalse(obj.isLoaded());
    }
}
