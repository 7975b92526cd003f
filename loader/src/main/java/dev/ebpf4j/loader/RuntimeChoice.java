package dev.ebpf4j.loader;

/**
 * The runtime an object was loaded into and why, e.g. {@code FALLBACK} because
 * {@code bpf() returned EPERM (needs CAP_BPF)}.
 */
public record RuntimeChoice(RuntimeKind kind, String reason) {
    public RuntimeChoice {
        if (kind == RuntimeKind.AUTO) {
            throw new IllegalArgumentException("a choice is KERNEL or FALLBACK, not AUTO");
        }
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " (" + reason + ")";
    }
}
