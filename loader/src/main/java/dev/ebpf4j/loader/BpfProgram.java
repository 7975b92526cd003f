package dev.ebpf4j.loader;

import java.nio.file.Path;

import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;

/** A program loaded from an object, in the kernel or in the fallback VM. */
public interface BpfProgram extends AutoCloseable {

    default String name() {
        return spec().name();
    }

    ProgramSpec spec();

    default ProgramType type() {
        return spec().type();
    }

    /** The program tag, as {@code bpftool prog show} prints it. */
    String tag();

    /** Runs the program once or {@code repeat} times on the given input. */
    TestRun.Result testRun(TestRun.Input input);

    /** The verifier's log of the load, when {@link LoadOptions#logOnSuccess()} asked for it; else "". */
    String verifierLog();

    /** Pins the program at {@code path} in bpffs (kernel only). */
    void pin(Path path);

    @Override
    void close();
}
