package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.testing.TestObjects;

/** The verifier log buffer grows past its first size; pins outside bpffs are refused by name. */
class KernelLoaderKernelTest {

    /** {@code r0 = 0; r0 += 1} × n, then {@code r3 = *(u8 *)(r10 - 600)} when {@code fail}, then {@code exit}. */
    private static byte[] longProgram(int n, boolean fail) {
        ByteBuffer b = ByteBuffer.allocate((n + 3) * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0xb7).put((byte) 0).putShort((short) 0).putInt(0);
        for (int i = 0; i < n; i++) {
            b.put((byte) 0x07).put((byte) 0).putShort((short) 0).putInt(1);
        }
        if (fail) {
            b.put((byte) 0x71).put((byte) ((10 << 4) | 3)).putShort((short) -600).putInt(0);
        }
        b.put((byte) 0x95).put((byte) 0).putShort((short) 0).putInt(0);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private static KernelLoader.LoadResult load(byte[] code, boolean logOnSuccess, int level) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment insns = arena.allocate(code.length, 8).copyFrom(MemorySegment.ofArray(code));
            bpf_attr.prog_type(attr, ProgramType.SOCKET_FILTER.value());
            bpf_attr.insns(attr, insns.address());
            bpf_attr.insn_cnt(attr, code.length / 8);
            bpf_attr.license(attr, arena.allocateFrom("GPL").address());
            return KernelLoader.loadWithLog(attr, logOnSuccess, level);
        }
    }

    @Test
    void aFailureLogLargerThanTheFirstBufferComesBackWholeWithTheRealErrno() {
        KernelTests.requireKernel();
        KernelLoader.LoadResult r = load(longProgram(4000, true), false, 1);
        assertNull(r.fd());
        assertEquals(13, r.errno(), "EACCES, not the ENOSPC of the first, too small, buffer");
        assertTrue(r.log().length() > KernelLoader.LOG_START, "log of " + r.log().length() + " bytes");
        assertTrue(r.log().startsWith("0: "), r.log().substring(0, 40));
        assertEquals("invalid read from stack R10 off=-600 size=1", VerifierLog.summary(r.log()));
        assertFalse(r.truncated());
    }

    @Test
    void aSuccessLogLargerThanTheFirstBufferIsKept() {
        KernelTests.requireKernel();
        KernelLoader.LoadResult r = load(longProgram(4000, false), true, 2);
        assertNotNull(r.fd());
        try {
            assertTrue(r.log().length() > KernelLoader.LOG_START, "log of " + r.log().length() + " bytes");
            assertTrue(r.log().contains("processed 4002 insns"), VerifierLog.tail(r.log(), 3));
        } finally {
            r.fd().close();
        }
    }

    @Test
    void aPinRootOutsideBpffsIsRefusedAndNothingIsLeft() {
        KernelTests.requireKernel();
        int fds = KernelTests.openFds();
        BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o"));
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> obj.load(KernelTests.kernel(Path.of("/tmp"))));
        assertTrue(e.getMessage().contains("not in a BPF file system"), e.getMessage());
        assertTrue(e.getMessage().contains("'verdicts'"), e.getMessage());
        assertEquals(fds, KernelTests.openFds());
    }
}
