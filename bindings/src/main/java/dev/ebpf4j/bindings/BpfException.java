package dev.ebpf4j.bindings;

import java.io.Serial;

/**
 * A failed {@code bpf(2)} command. For {@code BPF_PROG_LOAD} and {@code BPF_BTF_LOAD} it carries the
 * kernel's log (the verifier's or the BTF checker's), whose last lines are also in the message.
 */
public class BpfException extends SyscallException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** How many trailing log lines the message repeats. */
    static final int LOG_LINES_IN_MESSAGE = 20;

    private final int command;
    private final String log;

    public BpfException(int command, int errno) {
        this(command, errno, "");
    }

    public BpfException(int command, int errno, String log) {
        super(BpfCommand.nameOf(command), errno, logTail(log));
        this.command = command;
        this.log = log == null ? "" : log;
    }

    /** The raw {@code bpf_cmd} number. */
    public int command() {
        return command;
    }

    /** The command's name, e.g. {@code BPF_PROG_LOAD} ({@code bpf cmd N} for one {@link BpfCommand} lacks). */
    public String commandName() {
        return operation();
    }

    /** The kernel's log for the command, or "" when there was none. */
    public String log() {
        return log;
    }

    private static String logTail(String log) {
        if (log == null || log.isBlank()) {
            return null;
        }
        String[] lines = log.strip().split("\n");
        int from = Math.max(0, lines.length - LOG_LINES_IN_MESSAGE);
        StringBuilder sb = new StringBuilder(from > 0 ? "kernel log (last " + LOG_LINES_IN_MESSAGE + " lines):" : "kernel log:");
        for (int i = from; i < lines.length; i++) {
            sb.append('\n').append(lines[i]);
        }
        return sb.toString();
    }
}
