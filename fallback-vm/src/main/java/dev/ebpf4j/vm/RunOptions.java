package dev.ebpf4j.vm;

/**
 * Options of one {@link VmProgram#run} call.
 *
 * @param repeat            how many times to run (each on a fresh copy of the context); results are the last run's,
 *                          the duration the mean, as {@code BPF_PROG_TEST_RUN} reports them
 * @param cpu               the CPU the runs pretend to be on (per-CPU maps, {@code bpf_get_smp_processor_id})
 * @param instructionBudget instructions per run before a {@link BpfRuntimeException}; 0 = the VM's default
 */
public record RunOptions(int repeat, int cpu, long instructionBudget) {

    public RunOptions {
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat must be at least 1");
        }
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must not be negative");
        }
        if (instructionBudget < 0) {
            throw new IllegalArgumentException("instructionBudget must not be negative");
        }
    }

    private static final RunOptions DEFAULTS = new RunOptions(1, 0, 0);

    public static RunOptions defaults() {
        return DEFAULTS;
    }

    public RunOptions withRepeat(int n) {
        return new RunOptions(n, cpu, instructionBudget);
    }

    public RunOptions withCpu(int c) {
        return new RunOptions(repeat, c, instructionBudget);
    }

    public RunOptions withInstructionBudget(long budget) {
        return new RunOptions(repeat, cpu, budget);
    }
}
