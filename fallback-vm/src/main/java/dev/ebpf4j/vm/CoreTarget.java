package dev.ebpf4j.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.core.CoreRelocator;
import dev.ebpf4j.object.insn.Instruction;

/**
 * CO-RE in the VM: a program's relocations are applied, as the kernel runtime applies them, against a target BTF:
 * the one in {@link VmOptions#targetBtf()}, else the running kernel's {@value #VMLINUX} (world-readable on most
 * systems, so no privileges are needed), parsed once per process.
 */
public final class CoreTarget {
    private static final Logger LOG = LoggerFactory.getLogger(CoreTarget.class);

    /** Where the running kernel publishes its BTF. */
    public static final String VMLINUX = "/sys/kernel/btf/vmlinux";

    private static volatile Btf running;

    private CoreTarget() {}

    /** The BTF in {@code path}; an {@link IllegalArgumentException} saying why not. */
    public static Btf read(Path path) {
        try {
            return Btf.parse(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read BTF from " + path + ": " + e, e);
        }
    }

    /** The running kernel's BTF, when it publishes one this process can read. */
    public static Optional<Btf> running() {
        Btf b = running;
        if (b == null) {
            synchronized (CoreTarget.class) {
                b = running;
                if (b == null) {
                    Path p = Path.of(VMLINUX);
                    if (!Files.isReadable(p)) {
                        return Optional.empty();
                    }
                    try {
                        b = read(p);
                    } catch (RuntimeException e) {
                        LOG.warn("{} is there but unusable as a CO-RE target: {}", VMLINUX, e.getMessage());
                        return Optional.empty();
                    }
                    running = b;
                }
            }
        }
        return Optional.of(b);
    }

    /** The target for {@code options}: its own BTF, else the running kernel's, else empty. */
    public static Optional<Btf> of(VmOptions options) {
        return options.targetBtf() != null ? Optional.of(options.targetBtf()) : running();
    }

    /** Why programs with CO-RE relocations cannot be relocated under {@code options}, or empty when they can. */
    public static Optional<String> unavailableReason(VmOptions options) {
        return of(options).isPresent() ? Optional.empty()
                : Optional.of("no target BTF: " + VMLINUX + " is not readable and VmOptions.withTargetBtf gave none");
    }

    /**
     * {@code program}'s linked instructions with its CO-RE relocations applied against the target of {@code options}.
     * A relocation the target cannot satisfy poisons its instruction as libbpf does (a call the verifier refuses if it
     * is reached) and is logged.
     *
     * @throws BpfLoadException when the program has relocations and there is no target BTF
     */
    public static List<Instruction> instructions(ObjectSpec object, ProgramSpec program, VmOptions options) {
        if (object.coreRelocations(program).isEmpty()) {
            return program.linkedInstructions();
        }
        Btf target = of(options).orElseThrow(() -> new BpfLoadException("program '" + program.name() + "' has "
                + object.coreRelocations(program).size() + " CO-RE relocations and there is "
                + unavailableReason(options).orElseThrow()));
        CoreRelocator.Result r = object.coreRelocate(program, target);
        if (!r.failures().isEmpty()) {
            LOG.warn("{}: program '{}': CO-RE relocations the target BTF cannot satisfy (their instructions are"
                    + " poisoned, so the verifier refuses them if they are reached): {}", object.name(), program.name(),
                    r.failures());
        }
        return r.instructions();
    }
}
