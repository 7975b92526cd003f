package dev.ebpf4j.vm.helpers;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import dev.ebpf4j.object.insn.HelperFunctions;

/**
 * Helpers by kernel id ({@link HelperFunctions} numbering). Immutable: {@link #with} returns a copy, so a
 * VM's table can be shared by concurrent runs and read without locks.
 */
public final class HelperTable {
    private final Helper[] helpers;

    private HelperTable(Helper[] helpers) {
        this.helpers = helpers;
    }

    /** A table with no helpers. */
    public static HelperTable empty() {
        return new HelperTable(new Helper[0]);
    }

    /** The helpers the fallback VM implements ({@link StandardHelpers}). */
    public static HelperTable standard() {
        return StandardHelpers.table();
    }

    /** A copy with {@code helper} at {@code id} (replacing what was there). */
    public HelperTable with(int id, Helper helper) {
        if (id < 0 || id > 1 << 16) {
            throw new IllegalArgumentException("helper id out of range: " + id);
        }
        Helper[] copy = Arrays.copyOf(helpers, Math.max(helpers.length, id + 1));
        copy[id] = helper;
        return new HelperTable(copy);
    }

    /** A copy with {@code helper} under its kernel name ({@code bpf_map_lookup_elem} or {@code map_lookup_elem}). */
    public HelperTable with(String name, Helper helper) {
        return with(HelperFunctions.id(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown helper name: " + name)), helper);
    }

    /** The helper with this id, or null. */
    public Helper get(int id) {
        return id >= 0 && id < helpers.length ? helpers[id] : null;
    }

    public boolean has(int id) {
        return get(id) != null;
    }

    /** Ids and names of the helpers present. */
    public Map<Integer, String> implemented() {
        Map<Integer, String> out = new TreeMap<>();
        for (int i = 0; i < helpers.length; i++) {
            if (helpers[i] != null) {
                out.put(i, HelperFunctions.name(i).orElse("helper " + i));
            }
        }
        return out;
    }

    /** The error text for a call of a helper this table lacks. */
    public String describeMissing(int id) {
        return HelperFunctions.name(id)
                .map(n -> "helper " + n + " (id " + id + ") is not implemented by the fallback VM")
                .orElse("unknown helper id " + id);
    }
}
