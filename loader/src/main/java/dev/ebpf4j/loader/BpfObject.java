package dev.ebpf4j.loader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.loader.spi.Backend;
import dev.ebpf4j.loader.spi.LoadedObject;
import dev.ebpf4j.object.ObjectSpec;

/**
 * An eBPF object: opened (parsed, nothing created) by {@link #open}, then {@link #load}ed into the kernel or the
 * fallback VM, whichever the options and the machine allow. Closing it releases every map and program it loaded.
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.open(Path.of("hello.bpf.o")).load()) {
 *     BpfProgram hello = obj.program("hello");
 *     TestRun.Result r = hello.testRun(TestRun.Input.of(packet));
 *     int counter = obj.globals(".bss").getInt("counter");
 * }
 * }</pre>
 */
public final class BpfObject implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BpfObject.class);
    private static final java.util.Set<String> LOGGED_REASONS = ConcurrentHashMap.newKeySet();

    private final ObjectSpec spec;
    private final List<Backend> backends;
    private LoadedObject loaded;
    private RuntimeChoice choice;
    private boolean closed;

    BpfObject(ObjectSpec spec, List<Backend> backends) {
        this.spec = spec;
        this.backends = List.copyOf(backends);
    }

    /** Parses an object file; nothing is created until {@link #load}. */
    public static BpfObject open(Path path) {
        return of(ObjectSpec.open(path));
    }

    /** Parses an object held in memory; {@code fileName} gives the object its name (as libbpf derives it). */
    public static BpfObject open(byte[] bytes, String fileName) {
        return of(ObjectSpec.parse(bytes, fileName));
    }

    /** An object from a spec already parsed. */
    public static BpfObject of(ObjectSpec spec) {
        return new BpfObject(spec, Backends.defaults());
    }

    public ObjectSpec spec() {
        return spec;
    }

    /** Loads with {@link LoadOptions#defaults()}. */
    public BpfObject load() {
        return load(LoadOptions.defaults());
    }

    /** Creates the maps and loads the programs in the runtime {@code options} choose; returns this object. */
    public synchronized BpfObject load(LoadOptions options) {
        checkOpen();
        if (loaded != null) {
            throw new IllegalStateException(spec.name() + " is already loaded (" + choice + ")");
        }
        RuntimeChoice chosen = choose(options.runtime(), options);
        Backend backend = backend(chosen.kind()).orElseThrow();
        if (chosen.kind() == RuntimeKind.FALLBACK && LOGGED_REASONS.add(chosen.reason())) {
            LOG.info("ebpf4j: using the fallback VM: {}", chosen.reason());
        }
        loaded = backend.load(spec, options);
        loaded.loadedAs(chosen);
        choice = chosen;
        return this;
    }

    /** Which runtime a load with {@code asked} would use, and why. */
    public RuntimeChoice choose(RuntimeKind asked) {
        return choose(asked, LoadOptions.defaults());
    }

    /** Which runtime a load with {@code options}, asking for {@code asked}, would use, and why. */
    private RuntimeChoice choose(RuntimeKind asked, LoadOptions options) {
        Optional<Backend> kernel = backend(RuntimeKind.KERNEL);
        Optional<Backend> fallback = backend(RuntimeKind.FALLBACK);
        String kernelWhyNot = whyNot(kernel, options, "this build has no kernel runtime");
        return switch (asked) {
            case KERNEL -> {
                if (kernelWhyNot != null) {
                    throw new BpfLoadException(spec.name() + ": the kernel runtime was asked for but " + kernelWhyNot);
                }
                yield new RuntimeChoice(RuntimeKind.KERNEL, "asked for");
            }
            case FALLBACK -> {
                String why = whyNot(fallback, options, "this build has no fallback VM");
                if (why != null) {
                    throw new BpfLoadException(spec.name() + ": the fallback VM was asked for but " + why);
                }
                yield new RuntimeChoice(RuntimeKind.FALLBACK, "asked for");
            }
            case AUTO -> {
                if (kernelWhyNot == null) {
                    yield new RuntimeChoice(RuntimeKind.KERNEL, "bpf() works and the kernel supports the object");
                }
                String fallbackWhyNot = whyNot(fallback, options, "this build has no fallback VM");
                if (fallbackWhyNot != null) {
                    throw new BpfLoadException(spec.name() + ": no runtime can load it: the kernel's because "
                            + kernelWhyNot + "; the fallback VM's because " + fallbackWhyNot);
                }
                yield new RuntimeChoice(RuntimeKind.FALLBACK, kernelWhyNot);
            }
        };
    }

    /** Why {@code backend} cannot load this object, {@code missing} when there is none, null when it can. */
    private String whyNot(Optional<Backend> backend, LoadOptions options, String missing) {
        return backend.isEmpty() ? missing : backend.get().unavailableReason(spec, options).orElse(null);
    }

    /** The runtime the object was loaded into and why; throws when not loaded. */
    public RuntimeChoice runtime() {
        checkLoaded();
        return choice;
    }

    public boolean isLoaded() {
        return loaded != null && !closed;
    }

    public List<BpfProgram> programs() {
        checkLoaded();
        return new ArrayList<>(loaded.programs().values());
    }

    public BpfProgram program(String name) {
        checkLoaded();
        BpfProgram p = loaded.programs().get(name);
        if (p == null) {
            throw new NoSuchElementException(spec.name() + " has no program '" + name + "' (it has: "
                    + String.join(", ", loaded.programs().keySet()) + ")");
        }
        return p;
    }

    public List<BpfMap> maps() {
        checkLoaded();
        return new ArrayList<>(loaded.maps().values());
    }

    /** A map by its name in the object ({@code blocked_ports}) or its kernel name ({@code hello.bss}). */
    public BpfMap map(String name) {
        checkLoaded();
        BpfMap m = loaded.maps().get(name);
        if (m == null) {
            m = loaded.maps().values().stream().filter(x -> x.spec().kernelName().equals(name)).findFirst().orElse(null);
        }
        if (m == null) {
            throw new NoSuchElementException(spec.name() + " has no map '" + name + "' (it has: "
                    + String.join(", ", loaded.maps().keySet()) + ")");
        }
        return m;
    }

    /** The variables of a data section: {@code obj.globals(".bss").getInt("counter")}. */
    public Globals globals(String section) {
        checkLoaded();
        return loaded.globals(section);
    }

    /**
     * What the object's programs print with {@code bpf_printk}: in the fallback VM the lines of this object's
     * programs, in the kernel the trace pipe.
     *
     * @throws UnsupportedOperationException when the runtime has no trace log
     */
    public TraceLog traceLog() {
        checkLoaded();
        return loaded.traceLog();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loaded != null) {
            loaded.close();
        }
    }

    private Optional<Backend> backend(RuntimeKind kind) {
        return backends.stream().filter(b -> b.kind() == kind).findFirst();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(spec.name() + " is closed");
        }
    }

    private void checkLoaded() {
        checkOpen();
        if (loaded == null) {
            throw new IllegalStateException(spec.name() + " is not loaded: call load() first");
        }
    }
}
