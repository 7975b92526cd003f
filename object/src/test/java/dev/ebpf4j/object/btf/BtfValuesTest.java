package dev.ebpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.BpfFormatException;

class BtfValuesTest {
    // ids: 1 int, 2 unsigned char, 3 u64, 4 bool, 5 enum, 6 char[8], 7 struct with bitfields, 8 u8[3], 9 union
    private static final Btf BTF = Btf.of(List.of(
            new BtfType.Int("int", 4, 1, 0, 32),
            new BtfType.Int("unsigned char", 1, 0, 0, 8),
            new BtfType.Int("unsigned long long", 8, 0, 0, 64),
            new BtfType.Int("_Bool", 1, 4, 0, 8),
            new BtfType.Enum("verdict", 4, false, List.of(new BtfType.EnumValue("DROP", 1), new BtfType.EnumValue("PASS", 2))),
            new BtfType.Array("", 2, 1, 8),
            new BtfType.Struct("flags", 8, true, List.of(
                    new BtfType.Member("a", 2, 0, 3),
                    new BtfType.Member("b", 2, 3, 5),
                    new BtfType.Member("ok", 4, 8, 0),
                    new BtfType.Member("v", 5, 32, 0))),
            new BtfType.Array("", 2, 1, 3),
            new BtfType.Union("", 8, false, List.of(new BtfType.Member("raw", 3, 0, 0)))));

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void integersSignedUnsignedAndWide() {
        assertEquals(-5L, BtfValues.format(BTF, 1, le(4).putInt(0, -5).array()));
        assertEquals(new BigInteger("18446744073709551615"), BtfValues.format(BTF, 3, le(8).putLong(0, -1).array()));
        assertEquals(200L, BtfValues.format(BTF, 2, new byte[] {(byte) 200}));
        assertEquals(true, BtfValues.format(BTF, 4, new byte[] {1}));
    }

    @Test
    void enumsPrintTheirNameWhenOneMatches() {
        assertEquals("PASS", BtfValues.format(BTF, 5, le(4).putInt(0, 2).array()));
        assertEquals(7L, BtfValues.format(BTF, 5, le(4).putInt(0, 7).array()));
    }

    @Test
    void charArraysAreStringsOnlyWhenTheyHoldOne() {
        assertEquals("hi", BtfValues.format(BTF, 6, new byte[] {'h', 'i', 0, 0, 0, 0, 0, 0}));
        assertEquals(List.of(104L, 105L, 0L, 1L, 0L, 0L, 0L, 0L), BtfValues.format(BTF, 6, new byte[] {'h', 'i', 0, 1, 0, 0, 0, 0}));
        assertEquals(List.of(1L, 2L, 3L), BtfValues.format(BTF, 8, new byte[] {1, 2, 3}));
    }

    @Test
    void bitfieldsAreExtracted() {
        // a = 0b101 (5), b = 0b10011 (19) packed in byte 0: 19 << 3 | 5
        byte[] v = le(8).put(0, (byte) (19 << 3 | 5)).put(1, (byte) 1).putInt(4, 1).array();
        assertEquals(Map.of("a", 5L, "b", 19L, "ok", true, "v", "DROP"), BtfValues.format(BTF, 7, v));
    }

    @Test
    void signedBitfieldsAreSignExtended() {
        Btf btf = Btf.of(List.of(new BtfType.Int("int", 4, 1, 0, 32),
                new BtfType.Struct("s", 4, true, List.of(new BtfType.Member("x", 1, 0, 3)))));
        assertEquals(Map.of("x", -3L), BtfValues.format(btf, 2, new byte[] {5, 0, 0, 0}));
    }

    @Test
    void anonymousUnionMembersAreInlined() {
        assertEquals(Map.of("raw", 9L), BtfValues.format(BTF, 9, le(8).putLong(0, 9).array()));
    }

    @Test
    void shortValuesAreFormatErrors() {
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> BtfValues.format(BTF, 7, new byte[3]));
        assertEquals(true, e.getMessage().contains("outside the 3 bytes"), e.getMessage());
    }

    @Test
    void aTypeThatWouldMakeEndlesslyManyPartsIsRefused() {
        // 40 structs of 4 bytes, each holding two of the next at offset 0: 2^40 ints in 4 bytes
        List<BtfType> doubling = new java.util.ArrayList<>();
        for (int k = 0; k < 40; k++) {
            int next = k + 2;
            doubling.add(new BtfType.Struct("s" + k, 4, false, List.of(new BtfType.Member("a", next, 0, 0),
                    new BtfType.Member("b", next, 0, 0))));
        }
        doubling.add(new BtfType.Int("int", 4, 1, 0, 32));
        Btf wide = Btf.of(doubling);
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> BtfValues.format(wide, 1, new byte[4]));
        assertTrue(e.getMessage().contains("more than 1000000 parts"), e.getMessage());
        // 2^32 - 1 empty structs in no bytes at all
        Btf empty = Btf.of(List.of(new BtfType.Struct("e", 0, false, List.of()), new BtfType.Int("int", 4, 0, 0, 32),
                new BtfType.Array("", 1, 2, -1)));
        e = assertThrows(BpfFormatException.class, () -> BtfValues.format(empty, 3, new byte[0]));
        assertTrue(e.getMessage().contains("parts"), e.getMessage());
    }
}
