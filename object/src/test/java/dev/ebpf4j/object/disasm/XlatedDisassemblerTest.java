package dev.ebpf4j.object.disasm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/** Vectors of the kernel's print_bpf_insn rules with bpftool's default immediate rendering. */
class XlatedDisassemblerTest {

    private static String text(String hex) {
        List<Instruction> insns = Instructions.decode(HexFormat.of().parseHex(hex.replace(" ", "")));
        assertEquals(1, insns.size());
        return XlatedDisassembler.text(insns.get(0), XlatedSymbols.NONE);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", textBlock = """
            b7 00 00 00 00 00 00 00 => (b7) r0 = 0
            b4 01 00 00 ff ff ff ff => (b4) w1 = -1
            bf a1 00 00 00 00 00 00 => (bf) r1 = r10
            07 01 00 00 01 00 00 00 => (07) r1 += 1
            0c 21 00 00 00 00 00 00 => (0c) w1 += w2
            87 01 00 00 00 00 00 00 => (87) r1 = -r1
            84 01 00 00 00 00 00 00 => (84) w1 = -w1
            dc 01 00 00 10 00 00 00 => (dc) r1 = be16 r1
            d4 01 00 00 40 00 00 00 => (d4) r1 = le64 r1
            d7 01 00 00 20 00 00 00 => (d7) r1 = bswap32 r1
            3f 21 01 00 00 00 00 00 => (3f) r1 s/= r2
            97 01 01 00 03 00 00 00 => (97) r1 s%= 3
            9c 21 00 00 00 00 00 00 => (9c) w1 %= w2
            bf 21 08 00 00 00 00 00 => (bf) r1 = (s8)r2
            bc 21 10 00 00 00 00 00 => (bc) w1 = (s16)w2
            bf 21 20 00 00 00 00 00 => (bf) r1 = (s32)r2
            bf 21 01 00 01 00 00 00 => (bf) r1 = addr_space_cast(r2, 0, 1)
            79 11 08 00 00 00 00 00 => (79) r1 = *(u64 *)(r1 +8)
            61 63 00 00 00 00 00 00 => (61) r3 = *(u32 *)(r6 +0)
            91 21 fc ff 00 00 00 00 => (91) r1 = *(s8 *)(r2 -4)
            63 1a fc ff 00 00 00 00 => (63) *(u32 *)(r10 -4) = r1
            7a 0a f8 ff 05 00 00 00 => (7a) *(u64 *)(r10 -8) = 5
            db 21 00 00 00 00 00 00 => (db) lock *(u64 *)(r1 +0) += r2
            c3 21 00 00 50 00 00 00 => (c3) lock *(u32 *)(r1 +0) &= r2
            db 21 08 00 01 00 00 00 => (db) r2 = atomic64_fetch_add((u64 *)(r1 +8), r2)
            c3 21 00 00 a1 00 00 00 => (c3) r2 = atomic_fetch_xor((u32 *)(r1 +0), r2)
            db 21 00 00 e1 00 00 00 => (db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)
            c3 21 00 00 f1 00 00 00 => (c3) r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)
            db 21 00 00 00 01 00 00 => (db) r1 = load_acquire((u64 *)(r2 +0))
            d3 21 00 00 10 01 00 00 => (d3) store_release((u8 *)(r1 +0), r2)
            db 21 00 00 02 00 00 00 => BUG_db
            20 00 00 00 0c 00 00 00 => (20) r0 = *(u32 *)skb[12]
            50 30 00 00 02 00 00 00 => (50) r0 = *(u8 *)skb[r3 + 2]
            18 01 00 00 01 00 00 00 00 00 00 00 02 00 00 00 => (18) r1 = 0x200000001
            18 11 00 00 2b 00 00 00 00 00 00 00 00 00 00 00 => (18) r1 = map[id:43]
            18 26 00 00 20 00 00 00 00 00 00 00 08 00 00 00 => (18) r6 = map[id:32][0]+8
            18 61 00 00 02 00 00 00 00 00 00 00 04 00 00 00 => (18) r1 = map[idx:2]+4
            18 41 00 00 05 00 00 00 00 00 00 00 00 00 00 00 => (18) r1 = subprog[+5]
            18 31 00 00 05 00 00 00 00 00 00 00 00 00 00 00 => (18) r1 = 0x5
            85 00 00 00 06 00 00 00 => (85) call bpf_trace_printk#6
            85 00 00 00 50 10 ff ff => (85) call unknown#-61360
            85 10 00 00 05 00 00 00 => (85) call pc+5
            85 20 00 00 e8 03 00 00 => (85) call kernel-function#1000
            05 00 03 00 00 00 00 00 => (05) goto pc+3
            06 00 00 00 fe ff ff ff => (06) gotol pc-2
            e5 00 02 00 00 00 00 00 => (e5) may_goto pc+2
            15 01 07 00 00 00 00 00 => (15) if r1 == 0x0 goto pc+7
            35 00 03 00 00 02 00 00 => (35) if r0 >= 0x200 goto pc+3
            16 01 ff ff ff ff ff ff => (16) if w1 == 0xffffffff goto pc-1
            4d 21 01 00 00 00 00 00 => (4d) if r1 & r2 goto pc+1
            de 21 00 00 00 00 00 00 => (de) if w1 s<= w2 goto pc+0
            95 00 00 00 00 00 00 00 => (95) exit
            96 00 00 00 00 00 00 00 => (96) if w0 exit 0x0 goto pc+0
            e4 01 00 00 00 00 00 00 => (e4) w1 (null) 0
            99 21 00 00 00 00 00 00 => (99) r1 = *((null) *)(r2 +0)
            79 21 00 00 00 00 00 00 => (79) r1 = *(u64 *)(r2 +0)
            a1 21 00 00 00 00 00 00 => BUG_ldx_a1
            c2 00 00 00 00 00 00 00 => (c2) nospec
            0a 00 00 00 00 00 00 00 => BUG_st_0a
            00 00 00 00 00 00 00 00 => BUG_ld_00
            8d 02 00 00 00 00 00 00 => (8d) call bpf_unspec#0
            """)
    void vectors(String hex, String expected) {
        assertEquals(expected, text(hex));
    }

    @Test
    void resolverNamesCallsAndImmediates() {
        XlatedSymbols symbols = new XlatedSymbols() {
            @Override
            public String call(Instruction call) {
                return call.src() == 1 ? String.format("%+d#sub", (int) call.off()) : "helper_at_" + call.imm();
            }

            @Override
            public String loadImm64(Instruction lddw) {
                return lddw.src() == 1 ? "map[name:counts]" : null;
            }
        };
        assertEquals("(85) call helper_at_-61360#-61360",
                XlatedDisassembler.text(Instruction.callHelper(-61360), symbols));
        assertEquals("(85) call bpf_map_lookup_elem#1", XlatedDisassembler.text(Instruction.callHelper(1), symbols),
                "known helper ids are named from the table, not the resolver");
        assertEquals("(85) call pc+7#sub", XlatedDisassembler.text(Instruction.of(0x85, 0, 1, 7, 1), symbols));
        assertEquals("(18) r1 = map[name:counts]", XlatedDisassembler.text(Instruction.loadMapFd(1, 3), symbols));
        assertEquals("(18) r1 = map[id:3][0]+4", XlatedDisassembler.text(Instruction.loadMapValue(1, 3, 4), symbols));
    }

    @Test
    void bpftoolResolverFollowsItsRules() {
        Map<Long, String> ksyms = Map.of(1000L - 50, "bpf_trace_printk", 7000L, "bpf_prog_0123456789abcdef_account");
        XlatedSymbols jited = XlatedSymbols.bpftool(1000, a -> Optional.ofNullable(ksyms.get(a)), new long[] {5000, 7000});
        assertEquals("(85) call bpf_trace_printk#-50", XlatedDisassembler.text(Instruction.callHelper(-50), jited));
        assertEquals("(85) call 0x3e6#-2", XlatedDisassembler.text(Instruction.callHelper(-2), jited));
        assertEquals("(85) call pc+7#bpf_prog_0123456789abcdef_account",
                XlatedDisassembler.text(Instruction.of(0x85, 0, 1, 7, 1), jited));
        assertEquals("(85) call pc-3#0x1388", XlatedDisassembler.text(Instruction.of(0x85, 0, 1, -3, 0), jited));
        XlatedSymbols interpreted = XlatedSymbols.bpftool(1000, a -> Optional.empty(), new long[0]);
        assertEquals("(85) call pc+7", XlatedDisassembler.text(Instruction.of(0x85, 0, 1, 7, 1), interpreted));
    }

    @Test
    void dumpWithAnnotationsAndOpcodes() {
        List<Instruction> insns = List.of(Instruction.loadMapValue(6, 32, 0), Instruction.mov64(0, 2), Instruction.exit());
        String dump = XlatedDisassembler.dump(insns, XlatedSymbols.NONE, Map.of(0, "int hello(struct xdp_md * ctx)"),
                Map.of(0, "counter++;", 3, "return XDP_PASS;"), true);
        assertEquals("""
                int hello(struct xdp_md * ctx):
                ; counter++;
                   0: (18) r6 = map[id:32][0]+0
                       18 26 00 00 20 00 00 00 00 00 00 00 00 00 00 00
                   2: (b7) r0 = 2
                       b7 00 00 00 02 00 00 00
                ; return XDP_PASS;
                   3: (95) exit
                       95 00 00 00 00 00 00 00
                """, dump);
    }
}
