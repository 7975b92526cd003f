package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Text or JSON output, as the global {@code -j}/{@code -p} options ask. */
final class Output {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final boolean json;
    private final boolean pretty;

    Output(boolean json, boolean pretty) {
        this.json = json;
        this.pretty = pretty;
    }

    boolean json() {
        return json;
    }

    ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** Prints a JSON tree in bpftool's layout (compact, or bpftool's indentation with {@code -p}). */
    void printBpftool(PrintWriter out, com.fasterxml.jackson.databind.JsonNode tree) {
        out.print(Jsonw.write(tree, pretty));
    }

    /** Prints a JSON tree on one line, or indented with {@code -p}. */
    void print(PrintWriter out, Object tree) {
        try {
            if (pretty) {
                out.println(MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree));
            } else {
                out.println(MAPPER.writeValueAsString(tree));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
