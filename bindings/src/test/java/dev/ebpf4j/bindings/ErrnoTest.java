package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.testing.TestObjects;

class ErrnoTest {
    @Test
    void theOnesTheLoaderNeeds() {
        assertEquals(1, Errno.EPERM.number());
        assertEquals(2, Errno.ENOENT.number());
        assertEquals(3, Errno.ESRCH.number());
        assertEquals(4, Errno.EINTR.number());
        assertEquals(9, Errno.EBADF.number());
        assertEquals(11, Errno.EAGAIN.number());
        assertEquals(12, Errno.ENOMEM.number());
        assertEquals(13, Errno.EACCES.number());
        assertEquals(14, Errno.EFAULT.number());
        assertEquals(16, Errno.EBUSY.number());
        assertEquals(17, Errno.EEXIST.number());
        assertEquals(19, Errno.ENODEV.number());
        assertEquals(22, Errno.EINVAL.number());
        assertEquals(23, Errno.ENFILE.number());
        assertEquals(24, Errno.EMFILE.number());
        assertEquals(28, Errno.ENOSPC.number());
        assertEquals(7, Errno.E2BIG.number());
        assertEquals(34, Errno.ERANGE.number());
        assertEquals(95, Errno.EOPNOTSUPP.number());
        assertSame(Errno.EOPNOTSUPP, Errno.ENOTSUP);
        assertEquals(524, Errno.ENOTSUPP.number());
    }

    @Test
    void namesAndTexts() {
        assertEquals("EACCES", Errno.nameOf(13));
        assertEquals("Permission denied", Errno.describe(13));
        assertEquals("ENOTSUPP", Errno.nameOf(524));
        assertEquals("errno 4095", Errno.nameOf(4095));
        assertEquals("Unknown error 4095", Errno.describe(4095));
        assertEquals(Optional.empty(), Errno.of(0));
        assertEquals(Optional.empty(), Errno.of(-13));
        assertEquals(Optional.of(Errno.EOPNOTSUPP), Errno.of(95));
    }

    @Test
    void exceptionMessage() {
        SyscallException e = new SyscallException("BPF_PROG_LOAD", 13);
        assertEquals("BPF_PROG_LOAD: EACCES (13): Permission denied", e.getMessage());
        assertEquals(13, e.errno());
        assertEquals("EACCES", e.errnoName());
        assertEquals(Optional.of(Errno.EACCES), e.error());
        assertTrue(e.is(Errno.EACCES));
        assertEquals("mmap: errno 4000 (4000): Unknown error 4000", new SyscallException("mmap", 4000).getMessage());
    }

    @Test
    void bpfExceptionNamesTheCommandAndKeepsTheLogTail() {
        BpfException e = new BpfException(BpfCommand.MAP_CREATE.value(), 22);
        assertEquals("BPF_MAP_CREATE: EINVAL (22): Invalid argument", e.getMessage());
        assertEquals("BPF_MAP_CREATE", e.commandName());
        assertEquals("", e.log());
        assertEquals("bpf cmd 9999: EINVAL (22): Invalid argument", new BpfException(9999, 22).getMessage());

        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            log.append("line ").append(i).append('\n');
        }
        BpfException withLog = new BpfException(BpfCommand.PROG_LOAD.value(), 13, log.toString());
        assertEquals(log.toString(), withLog.log());
        assertTrue(withLog.getMessage().startsWith("BPF_PROG_LOAD: EACCES (13): Permission denied\nkernel log (last 20 lines):\nline 11\n"),
                withLog.getMessage());
        assertTrue(withLog.getMessage().endsWith("\nline 30"), withLog.getMessage());
        assertTrue(!withLog.getMessage().contains("line 10\n"), withLog.getMessage());
    }

    /** Every number against the kernel's UAPI errno headers (ENOTSUPP is kernel-internal, so not there). */
    @Test
    void numbersAgreeWithTheUapiHeaders() throws IOException {
        Path base = Path.of("/usr/include/asm-generic/errno-base.h");
        Path more = Path.of("/usr/include/asm-generic/errno.h");
        TestObjects.skipUnless(Files.isReadable(base) && Files.isReadable(more),
                "needs the kernel UAPI headers (apt-get install linux-libc-dev)");
        Map<String, Integer> defs = new HashMap<>();
        Matcher m = Pattern.compile("#define\\s+(E[A-Z0-9]+)\\s+(\\d+)").matcher(Files.readString(base) + Files.readString(more));
        while (m.find()) {
            defs.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        for (Errno e : Errno.values()) {
            if (e == Errno.ENOTSUPP) {
                assertTrue(!defs.containsKey("ENOTSUPP"), "ENOTSUPP is not UAPI");
                continue;
            }
            assertEquals(defs.get(e.name()), e.number(), e.name());
        }
    }

    /** Every text against this libc's strerror. */
    @Test
    void textsAgreeWithStrerror() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle strerror = linker.downcallHandle(linker.defaultLookup().findOrThrow("strerror"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        for (Errno e : Errno.values()) {
            if (e == Errno.ENOTSUPP) {
                continue;
            }
            MemorySegment s = (MemorySegment) strerror.invokeExact(e.number());
            assertEquals(s.reinterpret(1024).getString(0), e.description(), e.name());
        }
    }
}
