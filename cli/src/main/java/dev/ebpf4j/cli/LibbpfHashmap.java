package dev.ebpf4j.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * libbpf's {@code hashmap} (hashmap.c) with {@code hashmap__append} and {@code hashmap__for_each_key_entry}, kept
 * only to reproduce the order in which bpftool prints the program and map ids of {@code btf list}: entries of one key
 * come out newest first, reshuffled whenever the table grows.
 */
final class LibbpfHashmap {
    private static final int MIN_CAP_BITS = 2;

    private static final class Entry {
        final long key;
        final long value;
        Entry next;

        Entry(long key, long value) {
            this.key = key;
            this.value = value;
        }
    }

    private Entry[] buckets;
    private int capBits;
    private int cap;
    private int size;

    /** libbpf's {@code hash_bits} on 64-bit: the top {@code bits} bits of {@code h} times the golden ratio. */
    static int hashBits(long h, int bits) {
        if (bits == 0) {
            return 0;
        }
        return (int) ((h * 0x9E3779B97F4A7C15L) >>> (64 - bits));
    }

    private boolean needsToGrow() {
        return cap == 0 || (size + 1) * 4 / 3 > cap;
    }

    private void grow() {
        int newBits = Math.max(capBits + 1, MIN_CAP_BITS);
        Entry[] fresh = new Entry[1 << newBits];
        for (int b = 0; b < cap; b++) {
            Entry cur = buckets[b];
            while (cur != null) {
                Entry next = cur.next;
                int h = hashBits(cur.key, newBits);
                cur.next = fresh[h];
                fresh[h] = cur;
                cur = next;
            }
        }
        buckets = fresh;
        capBits = newBits;
        cap = 1 << newBits;
    }

    /** {@code hashmap__append(map, key, value)} with the identity hash bpftool uses for ids. */
    void append(long key, long value) {
        if (needsToGrow()) {
            grow();
        }
        int h = hashBits(key, capBits);
        Entry e = new Entry(key, value);
        e.next = buckets[h];
        buckets[h] = e;
        size++;
    }

    /** The values of {@code key} in {@code hashmap__for_each_key_entry} order. */
    List<Long> values(long key) {
        List<Long> out = new ArrayList<>();
        if (buckets == null) {
            return out;
        }
        for (Entry e = buckets[hashBits(key, capBits)]; e != null; e = e.next) {
            if (e.key == key) {
                out.add(e.value);
            }
        }
        return out;
    }
}
