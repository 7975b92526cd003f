package dev.ebpf4j.vm;

import java.util.Map;
import java.util.function.LongSupplier;

import dev.ebpf4j.object.btf.Btf;
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
 * @param currentTask       what {@code bpf_get_current_task} and {@code bpf_get_current_task_btf} point at
 *                          ({@link KernelStruct#zeroTask()}, {@value KernelStruct#DEFAULT_TASK_SIZE} zero bytes, by default)
 * @param ksyms             the variables behind typed ksyms ({@code extern struct rq runqueues __ksym}), by name
 * @param targetBtf         the kernel BTF CO-RE relocations are applied against; null: the running kernel's
 *                          ({@value CoreTarget#VMLINUX}), read when an object with CO-RE relocations is loaded
 */
public record VmOptions(int possibleCpus, long instructionBudget, HelperTable helpers, LongSupplier clock,
                        LongSupplier bootClock, long randomSeed, int pid, int tgid, int uid, int gid, String comm,
                        Map<String, Long> kconfig, Engine engine, KernelStruct currentTask,
                        Map<String, KernelStruct> ksyms, Btf targetBtf) {

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
        if (currentTask == null) {
            currentTask = KernelStruct.zeroTask();
        }
        ksyms = Map.copyOf(ksyms);
    }

    /** Options with the default task, no ksyms and the running kernel's BTF as the CO-RE target. */
    public VmOptions(int possibleCpus, long instructionBudget, HelperTable helpers, LongSupplier clock,
                     LongSupplier bootClock, long randomSeed, int pid, int tgid, int uid, int gid, String comm,
                     Map<String, Long> kconfig, Engine engine) {
        this(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig,
                engine, null, Map.of(), null);
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
        return new VmOptions(cpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withInstructionBudget(long budget) {
        return new VmOptions(possibleCpus, budget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withHelpers(HelperTable table) {
        return new VmOptions(possibleCpus, instructionBudget, table, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withClock(LongSupplier ns) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, ns, ns, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withRandomSeed(long seed) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, seed, pid, tgid, uid, gid, comm, kconfig, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withTask(int pid, int tgid, String comm) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withKconfig(Map<String, Long> values) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, values, engine, currentTask, ksyms, targetBtf);
    }

    public VmOptions withEngine(Engine e) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid, comm, kconfig, e, currentTask, ksyms, targetBtf);
    }

    /** What {@code bpf_get_current_task} points at (laid out per {@link #targetBtf()} for CO-RE programs). */
    public VmOptions withCurrentTask(KernelStruct task) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid,
                comm, kconfig, engine, task, ksyms, targetBtf);
    }

    /** The variable behind the typed ksym {@code name}. */
    public VmOptions withKsym(String name, KernelStruct value) {
        Map<String, KernelStruct> all = new java.util.HashMap<>(ksyms);
        all.put(name, value);
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid,
                comm, kconfig, engine, currentTask, all, targetBtf);
    }

    /** The BTF CO-RE relocations are applied against (null: the running kernel's). */
    public VmOptions withTargetBtf(Btf btf) {
        return new VmOptions(possibleCpus, instructionBudget, helpers, clock, bootClock, randomSeed, pid, tgid, uid, gid,
                comm, kconfig, engine, currentTask, ksyms, btf);
    }

    /** The BTF in the file {@code path} (a {@code vmlinux} BTF blob, as {@code /sys/kernel/btf/vmlinux}) as the CO-RE target. */
    public VmOptions withTargetBtf(java.nio.file.Path path) {
        return withTargetBtf(CoreTarget.read(path));
    }
}
