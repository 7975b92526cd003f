package dev.ebpf4j.loader.fallback;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.Reference;
import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.insn.HelperFunctions;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.CoreTarget;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.helpers.HelperTable;
import dev.ebpf4j.vm.maps.MapFactory;

/**
 * What an object needs that the fallback VM lacks, found statically: map types it does not implement, helpers it
 * does not have, kernel functions (kfuncs) and extern functions, and CO-RE relocations when there is no target BTF to
 * apply them against (neither {@code VmOptions.withTargetBtf} nor a readable {@code /sys/kernel/btf/vmlinux}).
 */
final class FallbackSupport {
    private FallbackSupport() {}

    /** Every reason, or empty when the VM can load and run the whole object. */
    static List<String> missing(ObjectSpec object, VmOptions options) {
        HelperTable helpers = options.helpers();
        Set<String> reasons = new LinkedHashSet<>();
        for (MapSpec m : object.maps()) {
            checkMap(m, "map '" + m.name() + "'", reasons);
        }
        for (ProgramSpec p : object.programs()) {
            int slot = 0;
            for (Instruction insn : p.linkedInstructions()) {
                if (insn.isHelperCall() && !helpers.has(insn.imm())) {
                    reasons.add("program '" + p.name() + "' calls helper " + HelperFunctions.name(insn.imm())
                            .map(n -> n + " (id " + insn.imm() + ")").orElse("id " + insn.imm())
                            + ", which the fallback VM does not implement (insn " + slot + ")");
                } else if (insn.isKfuncCall()) {
                    reasons.add("program '" + p.name() + "' calls a kernel function (kfunc, insn " + slot
                            + "); the fallback VM has no kernel functions");
                }
                slot += insn.slots();
            }
            for (Reference r : p.linkedReferences()) {
                if (r instanceof Reference.Extern e && e.call()) {
                    reasons.add("program '" + p.name() + "' calls extern function '" + e.symbol()
                            + "', which the fallback VM cannot resolve");
                } else if (r instanceof Reference.Extern e && dev.ebpf4j.vm.VmObject.isKsym(object, e)
                        && !options.ksyms().containsKey(e.symbol())) {
                    reasons.add("program '" + p.name() + "': " + dev.ebpf4j.vm.VmObject.missingKsym(e.symbol()));
                }
            }
            List<BtfExt.CoreRelocation> core = object.coreRelocations(p);
            Optional<String> noTarget = core.isEmpty() ? Optional.empty() : CoreTarget.unavailableReason(options);
            if (noTarget.isPresent()) {
                BtfExt.CoreRelocation first = core.getFirst();
                String type = object.btf() == null ? "type " + first.typeId() : object.btf().name(first.typeId());
                reasons.add("program '" + p.name() + "' has " + core.size() + " CO-RE relocation"
                        + (core.size() == 1 ? "" : "s") + " (first: " + first.kind().label() + " of " + type + " "
                        + first.accessString() + " at insn " + first.insnIndex()
                        + "), which need a target BTF; there is " + noTarget.get());
            }
        }
        return new ArrayList<>(reasons);
    }

    private static void checkMap(MapSpec m, String what, Set<String> reasons) {
        if (!MapFactory.supports(m)) {
            reasons.add(what + " has type " + m.type().bpftoolName()
                    + ", which the fallback VM does not implement");
        }
        if (m.innerMap() != null) {
            checkMap(m.innerMap(), "the inner map of " + what, reasons);
        }
    }

    /** The reasons joined into one, or empty. */
    static Optional<String> whyNot(ObjectSpec object, VmOptions options) {
        List<String> all = missing(object, options);
        return all.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", all));
    }
}
