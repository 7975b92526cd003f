package dev.ebpf4j.loader.kernel;

import java.util.List;
import java.util.regex.Pattern;

/** Reading the verifier's log: the line that says why, and the last lines. */
public final class VerifierLog {
    private VerifierLog() {}

    /** Statistics and trailers the verifier prints after the reason, which say nothing about it. */
    private static final List<Pattern> NOISE = List.of(
            Pattern.compile("^processed \\d+ insns.*"),
            Pattern.compile("^verification time .*"),
            Pattern.compile("^stack depth .*"),
            Pattern.compile("^max_states_per_insn .*"),
            Pattern.compile("^-- END PROG LOAD LOG --$"),
            Pattern.compile("^Validating .* func#\\d+.*"));

    /**
     * The verifier's last meaningful line: the last non-blank line that is not a statistics line
     * ({@code processed N insns ...}, {@code verification time ...}, {@code stack depth ...}); "" for an empty log.
     */
    public static String summary(String log) {
        if (log == null || log.isBlank()) {
            return "";
        }
        List<String> lines = log.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (NOISE.stream().noneMatch(p -> p.matcher(line).matches())) {
                return line;
            }
        }
        return lines.getLast();
    }

    /** The last {@code n} lines of the log, without trailing blank lines. */
    public static String tail(String log, int n) {
        if (log == null || log.isBlank()) {
            return "";
        }
        List<String> lines = log.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
