package dev.ebpf4j.vm.jit;

import java.util.Arrays;
import java.util.function.Supplier;

import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.RunResult;
import dev.ebpf4j.vm.VmOptions;

/** Runs the same thing on the interpreter and on the JIT and compares what came out. */
final class Engines {
    private Engines() {}

    /** A VM like {@code base} on {@code engine}. */
    static BpfVm vm(VmOptions base, Engine engine) {
        return new BpfVm(base.withEngine(engine));
    }

    /**
     * What a run gave: r0 / packet / context, or the fault (type, instruction, message). Other exceptions
     * are outcomes too (so a test can say which engine threw what).
     */
    record Outcome(Long r0, byte[] packet, byte[] context, long instructions, String exception, int instruction,
                   String message) {

        static Outcome of(Supplier<RunResult> run) {
            try {
                RunResult r = run.get();
                return new Outcome(r.returnValue(), r.packet(), r.context(), r.instructions(), null, -2, null);
            } catch (BpfRuntimeException e) {
                return new Outcome(null, null, null, -1, e.getClass().getName(), e.instruction(), e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                return new Outcome(null, null, null, -1, e.getClass().getName(), -2, String.valueOf(e));
            }
        }

        boolean faulted() {
            return exception != null;
        }

        boolean sameAs(Outcome o) {
            return java.util.Objects.equals(r0, o.r0) && Arrays.equals(packet, o.packet) && Arrays.equals(context, o.context)
                    && instructions == o.instructions && java.util.Objects.equals(exception, o.exception)
                    && instruction == o.instruction && java.util.Objects.equals(message, o.message);
        }

        @Override
        public String toString() {
            return exception == null
                    ? "r0=0x" + Long.toHexString(r0) + " after " + instructions + " instructions"
                            + (packet == null ? "" : ", packet " + packet.length + " bytes")
                    : exception + " at " + instruction + ": " + message;
        }
    }
}
