package dev.ebpf4j.cli;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;

/**
 * A {@link dev.ebpf4j.object.btf.BtfValues} tree as bpftool's {@code btf_dumper} writes it. Walks the BTF type beside
 * the value to apply what depends on the type: bitfields (and integers with a bit offset or a size that is not whole
 * bytes) are printed as hex, {@code "0x1f"} in JSON and bare in plain text; 128-bit integers bare in plain text; and in
 * plain text pointers as C's {@code %p} ({@code 0x7f...}, {@code (nil)}).
 */
final class BtfTree {
    private BtfTree() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 64;

    static JsonNode convert(Btf btf, int typeId, Object value, boolean plain) {
        return convert(btf, typeId, value, plain, 0, 0);
    }

    private static JsonNode raw(String text) {
        return NODES.pojoNode(new RawValue(text));
    }

    private static JsonNode hex(Object number, int bits, boolean plain) {
        BigInteger v = number instanceof BigInteger b ? b : BigInteger.valueOf(((Number) number).longValue());
        v = v.and(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
        String text = "0x" + v.toString(16);
        return plain ? raw(text) : NODES.textNode(text);
    }

    private static JsonNode convert(Btf btf, int typeId, Object value, boolean plain, int bitfieldSize, int depth) {
        if (depth > MAX_DEPTH || value == null) {
            return MAPPER.valueToTree(value);
        }
        BtfType t = btf.type(typeId);
        switch (t) {
            case BtfType.Typedef r -> {
                return convert(btf, r.type(), value, plain, bitfieldSize, depth + 1);
            }
            case BtfType.Const r -> {
                return convert(btf, r.type(), value, plain, bitfieldSize, depth + 1);
            }
            case BtfType.Volatile r -> {
                return convert(btf, r.type(), value, plain, bitfieldSize, depth + 1);
            }
            case BtfType.Restrict r -> {
                return convert(btf, r.type(), value, plain, bitfieldSize, depth + 1);
            }
            case BtfType.TypeTag r -> {
                return convert(btf, r.type(), value, plain, bitfieldSize, depth + 1);
            }
            case BtfType.Ptr p -> {
                if (plain && value instanceof Number n) {
                    BigInteger v = n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
                    return raw(v.signum() == 0 ? "(nil)" : "0x" + v.toString(16));
                }
                return MAPPER.valueToTree(value);
            }
            case BtfType.Int i -> {
                if (value instanceof Number && (bitfieldSize != 0 || i.bitOffset() != 0 || i.bits() % 8 != 0)) {
                    return hex(value, bitfieldSize != 0 ? bitfieldSize : i.bits(), plain);
                }
                if (value instanceof String s && plain) {
                    return raw(s); // a 128-bit integer, hex
                }
                return MAPPER.valueToTree(value);
            }
            case BtfType.Array a -> {
                if (value instanceof List<?> list) {
                    ArrayNode out = NODES.arrayNode();
                    list.forEach(e -> out.add(convert(btf, a.elementType(), e, plain, 0, depth + 1)));
                    return out;
                }
                return MAPPER.valueToTree(value);
            }
            case BtfType.Composite c -> {
                if (value instanceof Map<?, ?> map) {
                    ObjectNode out = NODES.objectNode();
                    members(btf, c, map, out, plain, depth);
                    return out;
                }
                return MAPPER.valueToTree(value);
            }
            case BtfType.Var v -> {
                if (value instanceof Map<?, ?> map && map.size() == 1) {
                    ObjectNode out = NODES.objectNode();
                    map.forEach((k, val) -> out.set(String.valueOf(k), convert(btf, v.type(), val, plain, 0, depth + 1)));
                    return out;
                }
                return MAPPER.valueToTree(value);
            }
            case BtfType.Datasec d -> {
                if (value instanceof Map<?, ?> map && map.size() == 1 && map.values().iterator().next() instanceof List<?> vars
                        && vars.size() == d.vars().size()) {
                    ObjectNode out = NODES.objectNode();
                    ArrayNode list = out.putArray(String.valueOf(map.keySet().iterator().next()));
                    for (int k = 0; k < vars.size(); k++) {
                        list.add(convert(btf, d.vars().get(k).type(), vars.get(k), plain, 0, depth + 1));
                    }
                    return out;
                }
                return MAPPER.valueToTree(value);
            }
            default -> {
                return MAPPER.valueToTree(value);
            }
        }
    }

    private static void members(Btf btf, BtfType.Composite c, Map<?, ?> map, ObjectNode out, boolean plain, int depth) {
        List<BtfType.Member> members = switch (c) {
            case BtfType.Struct s -> s.members();
            case BtfType.Union u -> u.members();
        };
        for (BtfType.Member m : members) {
            if (m.name().isEmpty() && btf.type(btf.resolve(m.type())) instanceof BtfType.Composite inner) {
                members(btf, inner, map, out, plain, depth + 1); // anonymous struct/union: merged into this level
            } else if (map.containsKey(m.name())) {
                out.set(m.name(), convert(btf, m.type(), map.get(m.name()), plain, m.bitfieldSize(), depth + 1));
            }
        }
    }
}
