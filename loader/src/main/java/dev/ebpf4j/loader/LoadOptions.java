package dev.ebpf4j.loader;

import java.nio.file.Path;

/**
 * How to load an object.
 *
 * @param runtime      where to load: {@link RuntimeKind#AUTO} chooses
 * @param logOnSuccess keep the verifier's log of a successful load too (a failed load always carries it)
 * @param logLevel     the verifier log level asked for (1 = basic, 2 = every state)
 * @param pinRoot      where maps with {@code pinning = LIBBPF_PIN_BY_NAME} are pinned and reused
 */
public record LoadOptions(RuntimeKind runtime, boolean logOnSuccess, int logLevel, Path pinRoot) {

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
    }

    /** The runtime configured by {@code -Debpf4j.runtime} / {@code EBPF4J_RUNTIME}, no log on success, level 1. */
    public static LoadOptions defaults() {
        return new LoadOptions(RuntimeKind.configured(), false, 1, DEFAULT_PIN_ROOT);
    }

    public LoadOptions withRuntime(RuntimeKind kind) {
        return new LoadOptions(kind, logOnSuccess, logLevel, pinRoot);
    }

    public LoadOptions withLogOnSuccess(boolean on) {
        return new LoadOptions(runtime, on, logLevel, pinRoot);
    }

    public LoadOptions withPinRoot(Path root) {
        return new LoadOptions(runtime, logOnSuccess, logLevel, root);
    }
}
