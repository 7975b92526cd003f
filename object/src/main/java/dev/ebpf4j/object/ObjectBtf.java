package dev.ebpf4j.object;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;

/** Look-ups in an object's BTF that the object model needs: data sections and their variables. */
final class ObjectBtf {
    private ObjectBtf() {}

    /** The type id of the DATASEC named {@code section}, if the BTF has one. */
    static Optional<Integer> dataSection(Btf btf, String section) {
        java.util.OptionalInt id = btf.findId(section, BtfType.Datasec.class);
        return id.isPresent() ? Optional.of(id.getAsInt()) : Optional.empty();
    }

    /** Variable name to the type id of its type, for the variables of DATASEC {@code section}. */
    static Map<String, Integer> variableTypes(Btf btf, String section) {
        Map<String, Integer> out = new HashMap<>();
        dataSection(btf, section).ifPresent(id -> {
            for (BtfType.VarSecinfo info : ((BtfType.Datasec) btf.type(id)).vars()) {
                if (btf.type(info.type()) instanceof BtfType.Var v) {
                    out.put(v.name(), v.type());
                }
            }
        });
        return out;
    }
}
