package dev.ebpf4j.object.disasm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/**
 * Instruction text vectors. Lines marked 14 were printed by llvm-objdump 14.0.6; lines marked 19 by
 * llvm-objdump 19.1.7 with {@code --no-print-imm-hex} (its default is hex immediates), with
 * {@code --mattr=+alu32} where marked; load_acquire/store_release follow LLVM 21's syntax.
 */
class ObjdumpDisassemblerTest {

    private static String text(String hex) {
        List<Instruction> insns = Instructions.decode(HexFormat.of().parseHex(hex.replace(" ", "")));
        assertEquals(1, insns.size());
        return ObjdumpDisassembler.text(insns.get(0));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", textBlock = """
            # 14: from the example objects
            18 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 => r6 = 0 ll
            61 63 00 00 00 00 00 00 => r3 = *(u32 *)(r6 + 0)
            63 1a fc ff 00 00 00 00 => *(u32 *)(r10 - 4) = r1
            7b 1a f8 ff 00 00 00 00 => *(u64 *)(r10 - 8) = r1
            85 00 00 00 06 00 00 00 => call 6
            85 10 00 00 ff ff ff ff => call -1
            db 21 00 00 00 00 00 00 => lock *(u64 *)(r1 + 0) += r2
            bc 10 00 00 00 00 00 00 => w0 = w1
            95 00 00 00 00 00 00 00 => exit
            57 01 00 00 ff 01 00 00 => r1 &= 511
            07 02 00 00 fc ff ff ff => r2 += -4
            bf a2 00 00 00 00 00 00 => r2 = r10
            # 14: probed
            18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff => r1 = -1 ll
            18 01 00 00 fe ff ff ff 00 00 00 00 ff ff ff 7f => r1 = 9223372036854775806 ll
            18 11 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff => ld_pseudo\tr1, 1, 4294967295
            18 21 00 00 05 00 00 00 00 00 00 00 09 00 00 00 => ld_pseudo\tr1, 2, 5
            18 01 03 00 00 00 00 00 00 00 00 00 00 00 00 00 => <unknown>
            18 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 => <unknown>
            d4 01 00 00 10 00 00 00 => r1 = le16 r1
            dc 21 03 00 40 00 00 00 => r1 = be64 r1
            dc 01 00 00 08 00 00 00 => <unknown>
            84 21 03 00 04 00 00 00 => w1 = -w1
            87 01 00 00 00 00 00 00 => r1 = -r1
            61 21 00 80 00 00 00 00 => r1 = *(u32 *)(r2 - 32768)
            61 cb ff 7f 00 00 00 00 => <unknown>
            bf ba 00 00 00 00 00 00 => r10 = r11
            b4 01 00 00 ff ff ff ff => w1 = -1
            20 21 00 00 00 00 00 00 => r0 = *(u32 *)skb[0]
            28 00 00 00 f6 ff ff ff => r0 = *(u16 *)skb[-10]
            40 30 00 00 f9 ff ff ff => r0 = *(u32 *)skb[r3]
            50 30 00 00 00 00 00 00 => r0 = *(u8 *)skb[r3]
            15 01 ff ff 00 00 00 00 => if r1 == 0 goto -1
            15 01 f8 ff ff ff ff ff => if r1 == -1 goto -8
            a6 21 01 00 05 00 00 00 => if w1 < 5 goto +1
            de 21 00 00 00 00 00 00 => if w1 s<= w2 goto +0
            05 00 00 00 03 00 00 00 => goto +0
            95 00 00 00 01 00 00 00 => <unknown>
            db 21 00 00 01 00 00 00 => r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
            db 21 00 00 50 00 00 00 => lock *(u64 *)(r1 + 0) &= r2
            db 21 00 00 51 00 00 00 => r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)
            db 21 00 00 40 00 00 00 => lock *(u64 *)(r1 + 0) |= r2
            db 21 00 00 41 00 00 00 => r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)
            db 21 00 00 a0 00 00 00 => lock *(u64 *)(r1 + 0) ^= r2
            db 21 00 00 a1 00 00 00 => r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)
            db 21 00 00 e1 00 00 00 => r2 = xchg_64(r1 + 0, r2)
            db 21 00 00 f1 00 00 00 => r0 = cmpxchg_64(r1 + 0, r0, r2)
            db 21 00 00 e0 00 00 00 => <unknown>
            c3 21 00 00 00 00 00 00 => lock *(u32 *)(r1 + 0) += r2
            00 00 00 00 00 00 00 00 => <unknown>
            ff ff ff ff ff ff ff ff => <unknown>
            # 19 (decimal immediates)
            bf 21 08 00 00 00 00 00 => r1 = (s8)r2
            bf 21 10 00 00 00 00 00 => r1 = (s16)r2
            bf 21 20 00 00 00 00 00 => r1 = (s32)r2
            bc 21 08 00 00 00 00 00 => w1 = (s8)w2
            bc 21 10 00 00 00 00 00 => w1 = (s16)w2
            3f 21 01 00 00 00 00 00 => r1 s/= r2
            34 01 01 00 fc ff ff ff => w1 s/= -4
            9f 21 00 00 00 00 00 00 => r1 %= r2
            9f 21 01 00 00 00 00 00 => r1 s%= r2
            97 05 00 00 ff ff ff ff => r5 %= -1
            94 00 01 00 ff ff ff ff => w0 s%= -1
            9f 21 08 00 00 00 00 00 => <unknown>
            d7 00 00 00 10 00 00 00 => r0 = bswap16 r0
            d7 00 00 00 40 00 00 00 => r0 = bswap64 r0
            06 00 00 00 05 00 00 00 => gotol +5
            06 00 00 00 fc ff ff ff => gotol -4
            e5 00 02 00 00 00 00 00 => may_goto +2
            e5 21 fc ff 01 00 00 00 => may_goto -4
            91 21 00 00 00 00 00 00 => r1 = *(s8 *)(r2 + 0)
            89 a0 f8 ff 00 00 00 00 => r0 = *(s16 *)(r10 - 8)
            81 21 04 00 00 00 00 00 => r1 = *(s32 *)(r2 + 4)
            62 0a fc ff 01 00 00 80 => *(u32 *)(r10 - 4) = -2147483647
            72 0a ff ff ff 00 00 00 => *(u8 *)(r10 - 1) = 255
            7a 0a f0 ff ab 00 00 00 => *(u64 *)(r10 - 16) = 171
            45 01 04 00 08 00 00 00 => if r1 & 8 goto +4
            4d 21 01 00 00 00 00 00 => if r1 & r2 goto +1
            4e 65 01 00 00 00 00 00 => if w5 & w6 goto +1
            # 19 --mattr=+alu32
            c3 1a f8 ff 50 00 00 00 => lock *(u32 *)(r10 - 8) &= w1
            c3 1a f8 ff 40 00 00 00 => lock *(u32 *)(r10 - 8) |= w1
            c3 1a f8 ff a0 00 00 00 => lock *(u32 *)(r10 - 8) ^= w1
            c3 1a f8 ff 01 00 00 00 => w1 = atomic_fetch_add((u32 *)(r10 - 8), w1)
            c3 21 00 00 51 00 00 00 => w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)
            c3 21 00 00 e1 00 00 00 => w2 = xchg32_32(r1 + 0, w2)
            c3 21 00 00 f1 00 00 00 => w0 = cmpxchg32_32(r1 + 0, w0, w2)
            # LLVM 21 syntax, kernel 6.13 encoding
            db 21 00 00 00 01 00 00 => r1 = load_acquire((u64 *)(r2 + 0))
            d3 21 fc ff 00 01 00 00 => r1 = load_acquire((u8 *)(r2 - 4))
            db 21 00 00 10 01 00 00 => store_release((u64 *)(r1 + 0), r2)
            cb 21 08 00 10 01 00 00 => store_release((u16 *)(r1 + 8), r2)
            cb 21 08 00 01 00 00 00 => <unknown>
            # addr_space_cast (LLVM 19) and callx with the register in dst
            bf 21 01 00 01 00 00 00 => r1 = addr_space_cast(r2, 0, 1)
            8d 02 00 00 00 00 00 00 => callx r2
            """)
    void vectors(String hex, String expected) {
        assertEquals(expected.replace("\\t", "\t"), text(hex));
    }

    @Test
    void jumpLabelsComeFromTheResolverWithTheTargetByteOffset() {
        Instruction jeq = Instruction.of(0x15, 1, 0, 7, 0);
        LabelResolver labels = LabelResolver.nearestSymbol(Map.of(0L, "account", 0x88L, "LBB1_2"));
        assertEquals("if r1 == 0 goto +7 <LBB1_2>", ObjdumpDisassembler.text(jeq, 9, labels));
        assertEquals("if r1 == 0 goto +7 <account+0x80>", ObjdumpDisassembler.text(jeq, 8, labels));
        assertEquals("if r1 == 0 goto +7", ObjdumpDisassembler.text(jeq, 9, LabelResolver.NONE));
        assertEquals("gotol +5 <account+0x30>",
                ObjdumpDisassembler.text(Instruction.of(0x06, 0, 0, 0, 5), 0, labels));
        assertEquals("may_goto +1 <LBB1_2>", ObjdumpDisassembler.text(Instruction.of(0xe5, 0, 0, 1, 0), 15, labels));
        // calls and non-jumps get no label
        assertEquals("call -1", ObjdumpDisassembler.text(Instruction.callBpf(-1), 3, labels));
        assertEquals("exit", ObjdumpDisassembler.text(Instruction.exit(), 3, target -> Optional.of("X")));
    }

    @Test
    void nearestSymbolWrapsLikeUnsigned64BitAddresses() {
        LabelResolver text = LabelResolver.nearestSymbol(Map.of(0L, ".text"));
        assertEquals(Optional.of(".text+0xffffffffffffffe0"), text.label(-32));
        assertEquals(Optional.of(".text"), text.label(0));
        LabelResolver later = LabelResolver.nearestSymbol(Map.of(16L, "f"));
        assertEquals(Optional.empty(), later.label(8));
        assertEquals(Optional.of("f+0x8"), later.label(24));
        assertEquals("goto -5 <.text+0xffffffffffffffe0>", ObjdumpDisassembler.text(Instruction.ja(-5), 0, text));
    }

    @Test
    void isKnownReflectsUnknown() {
        assertTrue(ObjdumpDisassembler.isKnown(Instruction.exit()));
        assertFalse(ObjdumpDisassembler.isKnown(Instruction.of(0xff, 0, 0, 0, 0)));
    }
}
