package dev.ebpf4j.loader.kernel;

import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.loader.BpfLoadException;

/**
 * The kernel refused a program: {@code BPF_PROG_LOAD} failed. Carries the program's name, the errno, a one-line
 * summary (the verifier's last meaningful line, e.g. {@code invalid read from stack R10 off=-600 size=1}) and the
 * verifier's full log. The message holds the summary and the log's last lines; {@link #log()} has all of it.
 */
public class ProgramLoadException extends BpfLoadException {
    private static final long serialVersionUID = 1L;
    /** How many trailing log lines the message repeats. */
    static final int LOG_LINES_IN_MESSAGE = 20;

    private final String objectName;
    private final String programName;
    private final int errno;
    private final String summary;
    private final String log;
    private final boolean logTruncated;

    public ProgramLoadException(String objectName, String programName, int errno, String log, boolean logTruncated) {
        super(message(objectName, programName, errno, log, logTruncated));
        this.objectName = objectName;
        this.programName = programName;
        this.errno = errno;
        this.log = log == null ? "" : log;
        this.summary = VerifierLog.summary(this.log);
        this.logTruncated = logTruncated;
    }

    public String objectName() {
        return objectName;
    }

    public String programName() {
        return programName;
    }

    /** The errno of the failed load ({@code EACCES} when the verifier rejects the program, {@code EINVAL}, ...). */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EACCES}. */
    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** The verifier's last meaningful line, or "" when the kernel wrote no log. */
    public String summary() {
        return summary;
    }

    /** The verifier's full log ("" when the kernel wrote none). */
    public String log() {
        return log;
    }

    /** True when even the largest log buffer (16 MiB) could not hold the log: {@link #log()} is its end only. */
    public boolean logTruncated() {
        return logTruncated;
    }

    private static String message(String objectName, String programName, int errno, String log, boolean truncated) {
        String summary = VerifierLog.summary(log);
        StringBuilder sb = new StringBuilder();
        sb.append(objectName).append(": the kernel refused program '").append(programName).append("' (")
                .append(Errno.nameOf(errno)).append(": ").append(Errno.describe(errno)).append(')');
        if (!summary.isEmpty()) {
            sb.append(": ").append(summary);
        }
        String tail = VerifierLog.tail(log, LOG_LINES_IN_MESSAGE);
        if (!tail.isEmpty()) {
            sb.append("\nverifier log").append(truncated ? " (truncated)" : "").append(tail.lines().count() >= LOG_LINES_IN_MESSAGE
                    ? ", last " + LOG_LINES_IN_MESSAGE + " lines" : "").append(":\n").append(tail);
        }
        return sb.toString();
    }
}
