package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.Asm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.Bytes;

/**
 * Hash map lookups and deletes from programs probe with a reused key (keys of 1, 2, 4 and 8 bytes as a number read
 * from memory, others through a scratch copy): they must find exactly the keys Java inserted, of every size.
 */
class HashKeyProbeTest {

    /** The key bytes at fp-32, then {@code helper}(map, fp-32); r0 = the value (lookup) or the result (delete), -1 on a miss. */
    private static VmProgram program(BpfVm vm, BpfMap map, byte[] key, int helper) {
        List<Instruction> p = new ArrayList<>();
        for (int i = 0; i < key.length; i++) {
            p.add(st(B, 10, -32 + i, key[i]));
        }
        p.add(Instruction.loadMapFd(1, map.fd()));
        p.add(movr(2, 10));
        p.add(alu64(ADD, 2, -32));
        p.add(call(helper));
        if (helper == 1) {
            p.add(jmp(JEQ, 0, 0, 2));
            p.add(ldx(DW, 0, 0, 0));
            p.add(exit());
            p.add(mov(0, -1));
        }
        p.add(exit());
        return vm.program("probe", ProgramType.UNSPEC, p);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 6, 8, 12, 16})
    void programsFindTheKeysJavaInserted(int size) {
        for (Engine engine : new Engine[] {Engine.INTERPRETER, Engine.JIT}) {
            BpfVm vm = new BpfVm(VmOptions.defaults().withEngine(engine));
            BpfMap h = vm.createMap(MapsTest.spec("h", MapType.HASH, size, 8, 64));
            List<byte[]> keys = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                byte[] k = new byte[size];
                for (int i = 0; i < size; i++) {
                    k[i] = (byte) (n * 37 + i * 11 - 128);
                }
                k[size - 1] = (byte) n; // distinct keys even of one byte
                keys.add(k);
                h.update(k, Bytes.u64(1000L * size + n));
            }
            for (int n = 0; n < keys.size(); n++) {
                byte[] k = keys.get(n);
                assertEquals(1000L * size + n, program(vm, h, k, 1).run(MemoryContext.empty()).returnValue(),
                        engine + " size " + size + " key " + n);
                byte[] other = k.clone();
                other[0] ^= (byte) 0x80;
                if (size == 1) {
                    other[0] = (byte) 100; // not one of 0..19
                }
                assertEquals(-1, program(vm, h, other, 1).run(MemoryContext.empty()).returnValue(),
                        engine + " size " + size + ": a key that differs in one byte is not found");
            }
            byte[] gone = keys.get(7);
            assertEquals(0, program(vm, h, gone, 3).run(MemoryContext.empty()).returnValue(), "delete from the program");
            assertNull(h.lookup(gone), "deleted for Java too");
            assertEquals(-1, program(vm, h, gone, 1).run(MemoryContext.empty()).returnValue());
            assertEquals(19, h.size());
            assertArrayEquals(Bytes.u64(1000L * size + 8), h.lookup(keys.get(8)));
            assertTrue(h.keys().stream().noneMatch(k -> java.util.Arrays.equals(k, gone)));
        }
    }
}
