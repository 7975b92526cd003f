package dev.ebpf4j.loader.fallback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.loader.spi.Backend;
import dev.ebpf4j.loader.spi.LoadedObject;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.CoreTarget;
import dev.ebpf4j.vm.VmObject;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.verifier.VerifiedProgram;
import dev.ebpf4j.vm.verifier.Verifier;
import dev.ebpf4j.vm.verifier.VerifierException;
import dev.ebpf4j.vm.verifier.VerifierOptions;

/**
 * The fallback runtime: every object gets its own pure-Java {@link BpfVm}. Needs no privileges and no kernel support;
 * refuses (in {@link #unavailableReason}) objects that need what the VM lacks. Loading runs the VM's static verifier
 * on every program first: a refusal is a {@link FallbackProgramLoadException} (a kernel {@code ProgramLoadException}) with the program, instruction and log.
 */
public final class FallbackBackend implements Backend {
    /** Every fallback program's trace lines in this process, for {@link #processTraceLog()}. */
    private static final dev.ebpf4j.vm.helpers.TraceLog PROCESS_LOG = new dev.ebpf4j.vm.helpers.TraceLog();

    private final VmOptions vmOptions;

    /** VMs with the default options and as many CPUs as the kernel's possible CPUs (the per-CPU map layout). */
    public FallbackBackend() {
        this(VmOptions.defaults().withPossibleCpus(possibleCpus()));
    }

    /** VMs with {@code options} (CPUs, instruction budget, helpers, clocks, kconfig). */
    public FallbackBackend(VmOptions options) {
        this.vmOptions = options;
    }

    @Override
    public RuntimeKind kind() {
        return RuntimeKind.FALLBACK;
    }

    @Override
    public Optional<String> unavailableReason(ObjectSpec object) {
        return FallbackSupport.whyNot(object, vmOptions);
    }

    @Override
    public Optional<String> unavailableReason(ObjectSpec object, LoadOptions options) {
        return FallbackSupport.whyNot(object, vmOptions(options));
    }

    /** This backend's VM options as {@code options} adjust them for one load. */
    private VmOptions vmOptions(LoadOptions options) {
        return options.fallback().apply(vmOptions);
    }

    @Override
    public LoadedObject load(ObjectSpec object, LoadOptions options) {
        VmOptions vmOptions = vmOptions(options);
        FallbackSupport.whyNot(object, vmOptions).ifPresent(why -> {
            throw new BpfLoadException(object.name() + ": the fallback VM cannot load it: " + why);
        });
        if (!options.mapReplacements().isEmpty()) {
            throw new BpfLoadException(object.name() + ": the fallback VM cannot use existing kernel maps (map"
                    + " replacements for " + String.join(", ", options.mapReplacements().keySet())
                    + "); load with the kernel runtime");
        }
        Map<String, String> logs = new LinkedHashMap<>();
        Map<String, VerifiedProgram> verifications = new LinkedHashMap<>();
        for (ProgramSpec p : object.programs()) {
            VerifiedProgram verified = verify(object, p, relocated(object, p, vmOptions), options.logLevel());
            logs.put(p.name(), options.logOnSuccess() ? verified.log() : "");
            verifications.put(p.name(), verified);
        }
        VmObject vmObject;
        try {
            vmObject = new BpfVm(vmOptions).load(object);
        } catch (dev.ebpf4j.vm.BpfLoadException e) {
            throw new BpfLoadException(object.name() + ": the fallback VM cannot load it: " + e.getMessage(), e);
        }
        if (!vmObject.failures().isEmpty()) {
            StringBuilder sb = new StringBuilder(object.name()).append(": the fallback VM cannot load it: ");
            vmObject.failures().forEach((what, why) -> sb.append(what).append(": ").append(why).append("; "));
            throw new BpfLoadException(sb.substring(0, sb.length() - 2));
        }
        // what the verifier proved, for the JIT (packet accesses without a window check of their own)
        verifications.forEach((name, verified) -> vmObject.program(name).verified(verified));
        return new FallbackObject(vmObject, logs, PROCESS_LOG::write);
    }

    /** {@code program}'s instructions as the VM runs them: CO-RE relocations applied against the target BTF. */
    private static List<Instruction> relocated(ObjectSpec object, ProgramSpec program, VmOptions vmOptions) {
        try {
            return CoreTarget.instructions(object, program, vmOptions);
        } catch (dev.ebpf4j.vm.BpfLoadException e) {
            throw new BpfLoadException(object.name() + ": the fallback VM cannot load it: " + e.getMessage(), e);
        }
    }

    /**
     * Runs the VM's verifier on {@code instructions} of {@code program} (as relocated); a refusal becomes a
     * {@link FallbackProgramLoadException} (a kernel {@code ProgramLoadException}).
     */
    static VerifiedProgram verify(ObjectSpec object, ProgramSpec program, List<Instruction> instructions,
                                  int logLevel) {
        try {
            return Verifier.verify(instructions, VerifierOptions.forProgram(object, program).withLogLevel(logLevel));
        } catch (VerifierException e) {
            throw (FallbackProgramLoadException) new FallbackProgramLoadException(object.name(), program.name(),
                    e.insnIndex(), e.reason(), e.log()).initCause(e);
        }
    }

    /**
     * The trace lines of every program the fallback VM ran in this process (the most recent few thousand), across
     * objects: what {@code ebpf4j prog tracelog} prints in fallback mode.
     */
    public static TraceLog processTraceLog() {
        return new FallbackTraceLog(PROCESS_LOG);
    }

    /** The kernel's possible CPUs ({@code /sys/devices/system/cpu/possible}), else the available processors. */
    static int possibleCpus() {
        try {
            return parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** The number of CPUs a list such as {@code 0-3,5} covers up to its highest (the kernel's nr_cpu_ids). */
    static int parseCpuList(String list) {
        int max = -1;
        for (String part : List.of(list.strip().split(","))) {
            String[] range = part.split("-");
            max = Math.max(max, Integer.parseInt(range[range.length - 1].strip()));
        }
        if (max < 0) {
            throw new IllegalArgumentException("empty cpu list");
        }
        return max + 1;
    }
}
