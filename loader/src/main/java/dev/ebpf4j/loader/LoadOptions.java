package dev.ebpf4j.loader;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to load an object.
 *
 * @param runtime      where to load: {@link RuntimeKind#AUTO} chooses
 * @param logOnSuccess keep the verifier's log of a successful load too (a failed load always carries it)
 * @param logLevel     the verifier log level asked for (1 = basic, 2 = every state)
 * @param pinRoot      where maps with {@code pinning = LIBBPF_PIN_BY_NAME} are pinned and reused
 * @param mapReplacements existing kernel maps to use for the object's maps of those names, instead of creating them
 */
public record LoadOptions(RuntimeKind runtime, boolean logOnSuccess, int logLevel, Path pinRoot,
        Map<String, MapReplacement> mapReplacements) {

    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf");

    public LoadOptions {
        if (logLevel < 1 || logLevel > 2) {
            throw new IllegalArgumentException("logLevel is 1 or 2, not " + logLevel);
        }
        if (runtime == null) {
            runtime = RuntimeKind.AUTO;
        }
        if (pinRoot == null) {
            pinRoot = DEFAULT_PIN_ROOT;
        }
        mapReplacements = mapReplacements == null ? Map.of() : Map.copyOf(mapReplacements);
    }

    public LoadOptions(RuntimeKind runtime, boolean logOnSuccess, int logLevel, Path pinRoot) {
        this(runtime, logOnSuccess, logLevel, pinRoot, Map.of());
    }

    /** The runtime configured by {@code -Debpf4j.runtime} / {@code EBPF4J_RUNTIME}, no log on success, level 1. */
    public static LoadOptions defaults() {
        return new LoadOptions(RuntimeKind.configured(), false, 1, DEFAULT_PIN_ROOT);
    }

    public LoadOptions withRuntime(RuntimeKind kind) {
        return new LoadOptions(kind, logOnSuccess, logLevel, pinRoot, mapReplacements);
    }

    public LoadOptions withLogOnSuccess(boolean on) {
        return new LoadOptions(runtime, on, logLevel, pinRoot, mapReplacements);
    }

    public LoadOptions withPinRoot(Path root) {
        return new LoadOptions(runtime, logOnSuccess, logLevel, root, mapReplacements);
    }

    /**
     * Uses an existing kernel map for the object's map {@code mapName} (its name in the object, such as
     * {@code counts}, or its kernel name, such as {@code hello.bss}). Kernel runtime only: the fallback VM refuses
     * options with replacements.
     */
    public LoadOptions withMapReplacement(String mapName, MapReplacement existing) {
        Map<String, MapReplacement> all = new LinkedHashMap<>(mapReplacements);
        all.put(mapName, existing);
        return new LoadOptions(runtime, logOnSuccess, logLevel, pinRoot, all);
    }
}
