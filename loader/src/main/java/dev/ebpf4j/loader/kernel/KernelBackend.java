package dev.ebpf4j.loader.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.spi.Backend;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.Reference;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;

/**
 * The kernel runtime: objects loaded with {@code bpf(2)}. It can load an object when {@code bpf()} works here
 * (probed once per process with a trivial socket filter), the kernel knows the object's program and map types
 * (probed once per type), and the object needs nothing this loader does not do yet: CO-RE relocations, externs
 * other than the kconfig {@code LINUX_KERNEL_VERSION}, and programs attached through kernel BTF ids
 * (fentry/fexit, LSM, freplace, struct_ops).
 */
public final class KernelBackend implements Backend {

    @Override
    public RuntimeKind kind() {
        return RuntimeKind.KERNEL;
    }

    @Override
    public Optional<String> unavailableReason(ObjectSpec object) {
        Optional<String> bpf = KernelProbes.bpfUnavailable();
        if (bpf.isPresent()) {
            return bpf;
        }
        Optional<String> unsupported = unsupportedFeature(object);
        if (unsupported.isPresent()) {
            return unsupported;
        }
        for (ProgramSpec p : object.programs()) {
            if (!KernelProbes.programTypeSupported(p.type(), p.expectedAttachType())) {
                return Optional.of("the kernel does not support program type " + p.type().bpftoolName()
                        + (p.expectedAttachType() == null ? "" : " with attach type " + p.expectedAttachType().bpftoolName())
                        + " (program '" + p.name() + "')");
            }
        }
        for (MapSpec m : object.maps()) {
            for (MapSpec x = m; x != null; x = x.innerMap()) {
                if (!KernelProbes.mapTypeSupported(x.type())) {
                    return Optional.of("the kernel does not support map type " + x.type().bpftoolName()
                            + " (map '" + x.name() + "')");
                }
            }
        }
        return Optional.empty();
    }

    /** What the object needs that this loader does not do yet, whatever the kernel (no system call made). */
    public static Optional<String> unsupportedFeature(ObjectSpec object) {
        List<String> withCore = new ArrayList<>();
        for (ProgramSpec p : object.programs()) {
            if (!object.coreRelocations(p).isEmpty()) {
                withCore.add(p.name());
            }
        }
        if (!withCore.isEmpty()) {
            return Optional.of("CO-RE relocations are not supported yet (issue 4): program"
                    + (withCore.size() > 1 ? "s " : " ") + String.join(", ", withCore) + " of " + object.name()
                    + " need them");
        }
        for (ProgramSpec p : object.programs()) {
            if (p.type() == ProgramType.TRACING || p.type() == ProgramType.LSM || p.type() == ProgramType.EXT
                    || p.type() == ProgramType.STRUCT_OPS) {
                return Optional.of("program '" + p.name() + "' (" + p.type().bpftoolName() + ") needs its attach target"
                        + " resolved in the kernel's BTF, which is not supported yet");
            }
            for (Reference r : p.linkedReferences()) {
                if (r instanceof Reference.Extern e && !kconfigKernelVersion(object, e)) {
                    return Optional.of("extern '" + e.symbol() + "' (" + (e.call() ? "a kfunc" : "a ksym or kconfig value")
                            + ", program '" + p.name() + "') is not supported yet (issue 4): only the kconfig extern "
                            + KernelLoader.KERNEL_VERSION_EXTERN + " is");
                }
            }
        }
        Btf btf = object.btf();
        if (btf != null) {
            Optional<BtfType.Datasec> kconfig = KernelLoader.kconfigDatasec(btf);
            if (kconfig.isPresent()) {
                for (BtfType.VarSecinfo info : kconfig.get().vars()) {
                    String name = btf.name(info.type());
                    if (!name.equals(KernelLoader.KERNEL_VERSION_EXTERN)) {
                        return Optional.of("kconfig extern '" + name + "' is not supported yet (issue 4): only "
                                + KernelLoader.KERNEL_VERSION_EXTERN + " is");
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean kconfigKernelVersion(ObjectSpec object, Reference.Extern e) {
        if (e.call() || !e.symbol().equals(KernelLoader.KERNEL_VERSION_EXTERN) || object.btf() == null) {
            return false;
        }
        Btf btf = object.btf();
        return KernelLoader.kconfigDatasec(btf).map(d -> d.vars().stream()
                .anyMatch(v -> btf.name(v.type()).equals(e.symbol()))).orElse(false);
    }

    /** Creates the object's maps and loads its programs in the kernel; all or nothing. */
    @Override
    public KernelObject load(ObjectSpec object, LoadOptions options) {
        return KernelLoader.load(object, options);
    }

    @Override
    public String toString() {
        return "kernel";
    }
}
