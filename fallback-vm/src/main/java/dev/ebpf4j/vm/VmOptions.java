package dev.ebpf4j.vm;

import java.util.Map;
import java.util.function.LongSupplier;

import dev.ebpf4j.vm.helpers.HelperTable;

/**
 * How a {@link BpfVm} behaves: CPUs, instruction budget, helpers, clocks and what the "current task"
 * helpers report, kconfig values for {@code __kconfig} externs.
 *
 * @param possibleCpus      CPUs per-CPU maps hold values for (runs pick one with {@link RunOptions#cpu()})
 * @param instructionBudget instructions one run may execute (callbacks included) before it is stopped
 * @param helpers           the helper table
 * @param clock             {@code bpf_ktime_get_ns}
 * @param bootClock         {@code bpf_ktime_get_boot_ns}
 * @param randomSeed        seed of {@code bpf_get_prandom_u32}
 * @param pid               thread id {@code bpf_get_current_pid_tgid} reports (low half)
 * @param tgid              process id (high half)
 * @param uid               {@code bpf_get_current_uid_gid} low half
 * @param gid               high half
 * @param comm              {@code bpf_get_current_comm} and the trace log's task name
 * @param kconfig           values of {@code __kconfig} externs by name ({@code LINUX_KERNEL_VERSION} defaults to the running kernel)
 * @param engine            interpreter or JIT ({@link Engine#AUTO} by default; system property {@value Engine#PROPERTY})
 */
public record VmOptions(int possibleCpus, long instructionBudget, HelperTable helpers, LongSupplier clock,
                        LongSupplier bootClock, long randomSeed, int pid, int tgid, int uid, int gid, String comm,
                        Map<String, Long> kconfig, Engine engine) {

    /** Default instruction budget per run. */
    public static final long DEFAULT_BUDGET = 1_000_000;

    public VmOptions {
        if (possibleCpus < 1) {
            throw new IllegalArgumentException("possibleCpus must be at least 1");
        }
        if (instructionBudget < 1) {
            throw new IllegalArgumentException("instructionBudget must be positive");
        }
        kconfig = Map.copyOf(kconfig);
        if (engine == null) {
            throw new IllegalArgumentException("engine must not be null");
        }
    }

    /** Options with the engine of {@link Engine#fromSystemProperty()}. */
    public VmOptions(int possibleCpus, long instructionBudget, HelperTable helpers, LongSupplier clock,
                     LongSupplier bootClock, long randomSeed, int pid, int tgid, int uid, int gid, String comm,
                     Map<String, Long> kconfig) {
        this(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig,
                Engine.fromSystemProperty());
    }

    public static VmOptions defaults() {
        long pid = ProcessHandle.current().pid();
        return new VmOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_BUDGET, HelperTable.standard(),
                System::nanoTime, System::nanoTime, System.nanoTime(), (int) pid, (int) pid, 0, 0, "java",
                Map.of("LINUX_KERNEL_VERSION", kernelVersion(System.getProperty("os.version", ""))));
    }

    /** {@code KERNEL_VERSION(a, b, c)} of a release string such as {@code 6.8.0-40-generic}; 0 when unparsable. */
    public static long kernelVersion(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?").matcher(release);
        if (!m.find()) {
            return 0;
        }
        long a = Long.parseLong(m.group(1));
        long b = Long.parseLong(m.group(2));
        long c = m.group(3) == null ? 0 : Math.min(255, Long.parseLong(m.group(3)));
        return (a << 16) | (b << 8) | c;
    }

    public VmOptions withPossibleCpus(int cpus) {
        return new VmOptions(cpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine);
    }

    public VmOptions withInstructionBudget(long budget) {
        return new VmOptions(possibleCpus, budget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine);
    }

    public VmOptions withHelpers(HelperTable table) {
        return new VmOptions(possibleCpus, instructionBudget, table, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine);
    }

    public VmOptions withClock(LongSupplier ns) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, ns, ns, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine);
    }

    public VmOptions withRandomSeed(long seed) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, seed, pid, tgid, uid, gid, comm, kconfig, engine);
    }

    public VmOptions withTask(int pid, int tgid, String comm) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine);
    }

    public VmOptions withKconfig(Map<String, Long> values) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, values, engine);
    }

    public VmOptions withEngine(Engine e) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, e);
    }
}
