package dev.ebpf4j.object;

/** What the fuzz targets accept as a clean refusal. */
public final class FuzzChecks {
    private FuzzChecks() {}

    /** A typed refusal must say what is wrong: a missing or blank message is a finding. */
    public static void requireMessage(RuntimeException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError(e.getClass().getSimpleName() + " without a message", e);
        }
    }
}
