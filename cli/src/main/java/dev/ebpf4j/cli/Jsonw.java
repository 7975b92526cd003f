package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;

/**
 * Writes a JSON tree with the layout of bpftool's {@code json_writer.c}: compact with {@code -j}; with {@code -p},
 * four-space indentation where each object member starts a new line and array elements follow one another on the
 * line ({@code [1358,1359\n    ]}). bpftool's plain-text {@code map dump} of BTF maps is this pretty layout too.
 *
 * <p>Strings are escaped as JSON requires (bpftool writes a backslash as {@code \n} and a quote as {@code \'}, which
 * no JSON parser reads; we do not copy that). A {@link RawValue} in a {@link POJONode} is written as it is, for
 * bpftool's unquoted plain-text tokens such as pointers.
 */
final class Jsonw {
    private final StringBuilder out = new StringBuilder();
    private final boolean pretty;
    private int depth;
    private char sep;

    private Jsonw(boolean pretty) {
        this.pretty = pretty;
    }

    /** The tree as bpftool writes it, with the final newline of {@code jsonw_destroy}. */
    static String write(JsonNode tree, boolean pretty) {
        Jsonw w = new Jsonw(pretty);
        w.value(tree);
        w.out.append('\n');
        return w.out.toString();
    }

    private void eol() {
        if (pretty) {
            out.append('\n');
            out.append("    ".repeat(depth));
        }
    }

    private void eor() {
        if (sep != 0) {
            out.append(sep);
        }
        sep = ',';
    }

    private void begin(char c) {
        eor();
        out.append(c);
        depth++;
        sep = 0;
    }

    private void end(char c) {
        depth--;
        if (sep != 0) {
            eol();
        }
        out.append(c);
        sep = ',';
    }

    private void name(String name) {
        eor();
        eol();
        sep = 0;
        quote(name);
        out.append(':');
        if (pretty) {
            out.append(' ');
        }
    }

    private void quote(String s) {
        out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
    }

    private void value(JsonNode node) {
        if (node.isObject()) {
            begin('{');
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                name(e.getKey());
                value(e.getValue());
            }
            end('}');
        } else if (node.isArray()) {
            begin('[');
            for (JsonNode element : node) {
                value(element);
            }
            end(']');
        } else if (node instanceof POJONode p && p.getPojo() instanceof RawValue raw) {
            eor();
            out.append(raw.rawValue());
        } else if (node.isTextual()) {
            eor();
            quote(node.textValue());
        } else {
            eor();
            try {
                out.append(node.isNull() ? "null" : node.isNumber() ? node.numberValue().toString() : node.toString());
            } catch (RuntimeException e) {
                throw new UncheckedIOException(new IOException(e));
            }
        }
    }
}
