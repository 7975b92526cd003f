package dev.ebpf4j.loader.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfCommand;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.SyscallException;
import dev.ebpf4j.bindings.uapi.Uapi;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_map_info;
import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.MapReplacement;
import dev.ebpf4j.object.GlobalVariable;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.core.CoreRelocator;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.Reference;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.insn.Pseudo;

/** Loads an {@link ObjectSpec} into the kernel: BTF, maps (with pins and global data), programs. */
final class KernelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(KernelLoader.class);

    /** The verifier log buffer's first size, and its largest (libbpf's and cilium/ebpf's numbers). */
    static final int LOG_START = 64 * 1024;
    static final int LOG_MAX = 16 * 1024 * 1024;
    static final String KCONFIG = ".kconfig";
    static final String KERNEL_VERSION_EXTERN = "LINUX_KERNEL_VERSION";

    private final ObjectSpec object;
    private final LoadOptions options;
    private final KernelObject loaded;

    private KernelLoader(ObjectSpec object, LoadOptions options) {
        this.object = object;
        this.options = options;
        this.loaded = new KernelObject(object);
    }

    static KernelObject load(ObjectSpec object, LoadOptions options) {
        KernelLoader l = new KernelLoader(object, options);
        try {
            l.loadBtf();
            for (MapSpec m : object.maps()) {
                l.createMap(m);
            }
            MapSpec kconfig = kconfigMap(object, l.loaded.btf());
            if (kconfig != null) {
                l.createMap(kconfig);
            }
            for (ProgramSpec p : object.programs()) {
                l.loadProgram(p);
            }
            return l.loaded;
        } catch (Throwable t) {
            l.loaded.abandon(t);
            throw t;
        }
    }

    // ---------------------------------------------------------------------------------------------- BTF

    private void loadBtf() {
        Btf btf = KernelBtf.prepare(object, KernelProbes.btfFeatures());
        if (btf == null) {
            return;
        }
        try {
            loaded.btf(btf, Bpf.btfLoad(btf.encode()));
        } catch (BpfException e) {
            if (e.is(Errno.EMFILE) || e.is(Errno.ENFILE)) {
                // out of descriptors is not a refusal of the BTF: the maps after it could not be made either
                throw new BpfLoadException(object.name() + ": loading the object's BTF failed: " + e.getMessage(), e);
            }
            // as libbpf: go on without BTF (no func/line info, no BTF types on maps)
            LOG.warn("ebpf4j: {}: the kernel refused the object's BTF ({}), loading without it: {}", object.name(),
                    e.errnoName(), VerifierLog.summary(e.log()));
            loaded.btf(btf, null);
        }
    }

    private boolean btfLoaded() {
        return loaded.btfFd() != null;
    }

    // --------------------------------------------------------------------------------------------- maps

    private void createMap(MapSpec m) {
        MapReplacement replacement = replacementOf(m);
        if (replacement != null) {
            register(wrap(m, reuse(m, replacement), true));
            return;
        }
        if (m.pinning() == MapSpec.Pinning.BY_NAME) {
            Path pin = options.pinRoot().resolve(m.name());
            if (Files.exists(pin)) {
                register(wrap(m, reusePinned(m, pin), true));
                return;
            }
            KernelMap map = register(wrap(m, create(m), false));
            populate(map);
            try {
                KernelMap.pin(map.fd(), m.name(), pin);
            } catch (PinException e) {
                throw new BpfLoadException(object.name() + ": map '" + m.name() + "' is pinned by name (pinning ="
                        + " LIBBPF_PIN_BY_NAME) under the pin root " + options.pinRoot() + ", but: " + e.getMessage(), e);
            }
            loaded.pinCreated(pin);
            return;
        }
        populate(register(wrap(m, create(m), false)));
    }

    /** The map for {@code fd}; the descriptor is closed if that fails. */
    private static KernelMap wrap(MapSpec m, Fd fd, boolean reused) {
        try {
            return new KernelMap(m, fd, reused);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    private KernelMap register(KernelMap map) {
        loaded.add(map);
        return map;
    }

    /** {@code BPF_MAP_CREATE}: with BTF when loaded, retried without it if the kernel refuses the map's BTF. */
    private Fd create(MapSpec m) {
        Fd inner = m.innerMap() != null ? create(m.innerMap()) : null;
        try {
            try {
                return create(m, inner, btfLoaded());
            } catch (BpfException e) {
                if (!btfLoaded() || (m.btfKeyTypeId() == 0 && m.btfValueTypeId() == 0)) {
                    throw e;
                }
                Fd fd = create(m, inner, false);
                LOG.warn("ebpf4j: {}: map '{}' created without BTF: the kernel refused its BTF types ({})",
                        object.name(), m.name(), e.errnoName());
                return fd;
            }
        } catch (SyscallException e) {
            throw new BpfLoadException(object.name() + ": creating map '" + m.name() + "' (" + m.type().bpftoolName()
                    + ", key " + m.keySize() + ", value " + m.valueSize() + ", max_entries " + m.maxEntries()
                    + ", flags 0x" + Integer.toHexString(m.flags()) + ") failed: " + e.getMessage(), e);
        } finally {
            if (inner != null) {
                inner.close(); // the outer map keeps what it needs of the template, as libbpf does
            }
        }
    }

    private Fd create(MapSpec m, Fd inner, boolean withBtf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            bpf_attr.map_type(attr, m.type().value());
            bpf_attr.key_size(attr, m.keySize());
            bpf_attr.value_size(attr, m.valueSize());
            bpf_attr.max_entries(attr, m.maxEntries());
            bpf_attr.map_flags(attr, m.flags());
            bpf_attr.numa_node(attr, m.numaNode());
            bpf_attr.map_extra(attr, m.mapExtra());
            putName(bpf_attr.map_name(attr), m.kernelName() != null ? m.kernelName() : m.name());
            if (inner != null) {
                bpf_attr.inner_map_fd(attr, inner.raw());
            }
            if (withBtf && (m.btfKeyTypeId() != 0 || m.btfValueTypeId() != 0)) {
                bpf_attr.btf_fd(attr, loaded.btfFd().raw());
                bpf_attr.btf_key_type_id(attr, m.btfKeyTypeId());
                bpf_attr.btf_value_type_id(attr, m.btfValueTypeId());
            }
            return Bpf.mapCreate(attr);
        }
    }

    /** The replacement asked for {@code m}, by its name in the object or its kernel name; null if none. */
    private MapReplacement replacementOf(MapSpec m) {
        MapReplacement r = options.mapReplacements().get(m.name());
        return r != null || m.kernelName() == null ? r : options.mapReplacements().get(m.kernelName());
    }

    /** The existing map {@code replacement} names, when it matches what {@code m} declares. */
    private Fd reuse(MapSpec m, MapReplacement replacement) {
        Fd fd;
        try {
            fd = switch (replacement) {
                case MapReplacement.Pinned p -> Bpf.objGet(p.path().toString());
                case MapReplacement.Id i -> Bpf.mapGetFdById(i.id());
            };
        } catch (SyscallException e) {
            throw new BpfLoadException(object.name() + ": map '" + m.name() + "': cannot open the replacement ("
                    + replacement + "): " + e.getMessage(), e);
        }
        checkCompatible(m, fd, "its replacement (" + replacement + ") does not match the object's map",
                "use a map declared as the object declares it");
        return fd;
    }

    /** The map pinned at {@code pin}, when its type, sizes, entries and flags are those {@code m} asks for. */
    private Fd reusePinned(MapSpec m, Path pin) {
        Fd fd;
        try {
            fd = Bpf.objGet(pin.toString());
        } catch (SyscallException e) {
            throw new BpfLoadException(object.name() + ": map '" + m.name() + "': cannot open the pin " + pin + ": "
                    + e.getMessage(), e);
        }
        checkCompatible(m, fd, "is pinned by name at " + pin + " but the pinned map does not match the object's",
                "remove the pin or change the pin root");
        return fd;
    }

    /** Closes {@code fd} and throws when the map it refers to is not of {@code m}'s type, sizes, entries and flags. */
    private void checkCompatible(MapSpec m, Fd fd, String problem, String hint) {
        List<String> mismatches = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = Bpf.mapInfo(fd, arena);
            compare(mismatches, "type", MapType.describe(bpf_map_info.type(info)), m.type().bpftoolName());
            compare(mismatches, "key_size", bpf_map_info.key_size(info), m.keySize());
            compare(mismatches, "value_size", bpf_map_info.value_size(info), m.valueSize());
            compare(mismatches, "max_entries", bpf_map_info.max_entries(info), m.maxEntries());
            compare(mismatches, "map_flags", "0x" + Integer.toHexString(bpf_map_info.map_flags(info)),
                    "0x" + Integer.toHexString(m.flags()));
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        if (!mismatches.isEmpty()) {
            fd.close();
            throw new BpfLoadException(object.name() + ": map '" + m.name() + "' " + problem + ": "
                    + String.join(", ", mismatches) + " (" + hint + ")");
        }
    }

    private static void compare(List<String> out, String what, Object pinned, Object wanted) {
        if (!pinned.equals(wanted)) {
            out.add(what + " " + pinned + " existing, " + wanted + " in the object");
        }
    }

    /** Global data: the initial value written, {@code .rodata*} frozen, and the map mapped into this process. */
    private void populate(KernelMap map) {
        MapSpec m = map.spec();
        if (m.kind() != MapSpec.Kind.GLOBAL_DATA) {
            return;
        }
        byte[] init = m.initialValue();
        if (init != null) {
            byte[] value = init.length == m.valueSize() ? init : java.util.Arrays.copyOf(init, m.valueSize());
            map.update(new byte[4], value);
        }
        if (m.readOnly()) {
            map.freeze();
        }
        if ((m.flags() & MapSpec.BPF_F_MMAPABLE) != 0) {
            try {
                map.mmap(!m.readOnly());
            } catch (SyscallException e) {
                throw new BpfLoadException(object.name() + ": cannot mmap global data map '" + m.name() + "': "
                        + e.getMessage(), e);
            }
        }
        loaded.addGlobals(map);
    }

    // ------------------------------------------------------------------------------------------- kconfig

    /**
     * The {@code .kconfig} map the object's kconfig externs live in, laid out as {@link KernelBtf} laid out their
     * DATASEC, holding the values this loader knows ({@code LINUX_KERNEL_VERSION}); null when the object has none.
     */
    static MapSpec kconfigMap(ObjectSpec object, Btf btf) {
        if (btf == null) {
            return null;
        }
        Optional<BtfType.Datasec> sec = kconfigDatasec(btf);
        if (sec.isEmpty()) {
            return null;
        }
        int datasecId = btf.findId(KCONFIG, BtfType.Datasec.class).orElse(0);
        BtfType.Datasec d = sec.get();
        ByteBuffer value = ByteBuffer.allocate(Math.max(1, d.size())).order(ByteOrder.nativeOrder());
        List<GlobalVariable> vars = new ArrayList<>();
        for (BtfType.VarSecinfo info : d.vars()) {
            BtfType.Var v = (BtfType.Var) btf.type(info.type());
            vars.add(new GlobalVariable(v.name(), KCONFIG, info.offset(), info.size(), v.type(), true));
            if (v.name().equals(KERNEL_VERSION_EXTERN)) {
                int version = KernelProbes.kernelVersionCode();
                switch (info.size()) {
                    case 4 -> value.putInt(info.offset(), version);
                    case 8 -> value.putLong(info.offset(), Integer.toUnsignedLong(version));
                    default -> throw new BpfLoadException(object.name() + ": extern " + KERNEL_VERSION_EXTERN
                            + " is " + info.size() + " bytes, not 4 or 8");
                }
            } else {
                throw new BpfLoadException(object.name() + ": kconfig extern '" + v.name()
                        + "' is not supported yet (issue 4): only " + KERNEL_VERSION_EXTERN + " is");
            }
        }
        return new MapSpec(KCONFIG, internalMapName(object.name(), KCONFIG), MapSpec.Kind.GLOBAL_DATA, KCONFIG,
                MapType.ARRAY, 4, value.capacity(), 1, MapSpec.BPF_F_RDONLY_PROG | MapSpec.BPF_F_MMAPABLE,
                MapSpec.Pinning.NONE, 0, 0, 0, datasecId, null, value.array(), vars);
    }

    static Optional<BtfType.Datasec> kconfigDatasec(Btf btf) {
        return btf.findId(KCONFIG, BtfType.Datasec.class).stream().mapToObj(id -> btf.type(id, BtfType.Datasec.class))
                .findFirst();
    }

    /** libbpf's name for an internal map: the object's name cut to fit, then the section name (15 bytes at most). */
    static String internalMapName(String objectName, String section) {
        int pfx = section.indexOf('.', 1) >= 0 ? 0 : Math.min(Bpf.OBJ_NAME_LEN - section.length() - 1, objectName.length());
        return sanitize(objectName.substring(0, Math.max(0, pfx)) + section);
    }

    // ----------------------------------------------------------------------------------------- programs

    private void loadProgram(ProgramSpec p) {
        CoreRelocator.Result core = object.coreRelocations(p).isEmpty() ? null
                : object.coreRelocate(p, KernelTypes.vmlinux());
        if (core != null && !core.failures().isEmpty()) {
            LOG.warn("{}: program '{}': CO-RE relocations the kernel's BTF cannot satisfy (their instructions are"
                    + " poisoned, so the verifier refuses them if they are reached): {}", object.name(), p.name(),
                    core.failures());
        }
        byte[] code = patchedCode(p, loaded, core);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment insns = arena.allocate(code.length, 8).copyFrom(MemorySegment.ofArray(code));
            bpf_attr.prog_type(attr, p.type().value());
            if (p.expectedAttachType() != null) {
                bpf_attr.expected_attach_type(attr, p.expectedAttachType().value());
            }
            bpf_attr.insns(attr, insns.address());
            bpf_attr.insn_cnt(attr, code.length / 8);
            bpf_attr.license(attr, arena.allocateFrom(object.license()).address());
            int kernVersion = object.kernelVersion();
            if (kernVersion == 0 && p.type() == ProgramType.KPROBE) {
                kernVersion = KernelProbes.kernelVersionCode();
            }
            bpf_attr.kern_version(attr, kernVersion);
            int flags = 0;
            if (p.sleepable()) {
                flags |= Uapi.BPF_F_SLEEPABLE();
            }
            if (p.xdpFrags()) {
                flags |= Uapi.BPF_F_XDP_HAS_FRAGS();
            }
            bpf_attr.prog_flags(attr, flags);
            putName(bpf_attr.prog_name(attr), programName(p.name()));
            if (btfLoaded()) {
                List<BtfExt.FuncInfo> funcs = object.funcInfos(p);
                List<BtfExt.LineInfo> lines = object.lineInfos(p);
                bpf_attr.prog_btf_fd(attr, loaded.btfFd().raw());
                if (!funcs.isEmpty()) {
                    MemorySegment fi = arena.allocate(8L * funcs.size(), 4);
                    for (int i = 0; i < funcs.size(); i++) {
                        fi.setAtIndex(ValueLayout.JAVA_INT, 2L * i, funcs.get(i).insnOff() / 8);
                        fi.setAtIndex(ValueLayout.JAVA_INT, 2L * i + 1, funcs.get(i).typeId());
                    }
                    bpf_attr.func_info_rec_size(attr, 8);
                    bpf_attr.func_info(attr, fi.address());
                    bpf_attr.func_info_cnt(attr, funcs.size());
                }
                if (!lines.isEmpty()) {
                    MemorySegment li = arena.allocate(16L * lines.size(), 4);
                    for (int i = 0; i < lines.size(); i++) {
                        BtfExt.LineInfo l = lines.get(i);
                        li.setAtIndex(ValueLayout.JAVA_INT, 4L * i, l.insnOff() / 8);
                        li.setAtIndex(ValueLayout.JAVA_INT, 4L * i + 1, l.fileNameOff());
                        li.setAtIndex(ValueLayout.JAVA_INT, 4L * i + 2, l.lineOff());
                        li.setAtIndex(ValueLayout.JAVA_INT, 4L * i + 3, l.lineCol());
                    }
                    bpf_attr.line_info_rec_size(attr, 16);
                    bpf_attr.line_info(attr, li.address());
                    bpf_attr.line_info_cnt(attr, lines.size());
                }
            }
            LoadResult r = loadWithLog(attr, options.logOnSuccess(), options.logLevel());
            if (r.fd == null) {
                String log = r.log;
                if (core != null && !core.failures().isEmpty()) {
                    StringBuilder why = new StringBuilder("CO-RE relocations that failed (their instructions call helper ")
                            .append(CoreRelocator.POISON_HELPER).append(", which does not exist):\n");
                    core.failures().forEach(f -> why.append("  ").append(f).append('\n'));
                    log = why + (log == null ? "" : log);
                }
                throw new ProgramLoadException(object.name(), p.name(), r.errno, log, r.truncated);
            }
            try {
                loaded.add(new KernelProgram(p, r.fd, r.log));
            } catch (RuntimeException e) {
                r.fd.close();
                throw e;
            }
        }
    }

    /** The outcome of a {@code BPF_PROG_LOAD}: the program, or the errno; the log when one was asked for. */
    record LoadResult(Fd fd, int errno, String log, boolean truncated) {}

    /**
     * {@code BPF_PROG_LOAD} as libbpf and cilium/ebpf do it: without a log first (unless the log is wanted on
     * success); on failure again with a log buffer of {@value #LOG_START} bytes, grown four times over while the
     * kernel says ENOSPC, up to {@value #LOG_MAX}. The errno reported is the failure's, not ENOSPC's.
     */
    static LoadResult loadWithLog(MemorySegment attr, boolean logOnSuccess, int level) {
        int firstErrno = 0;
        if (!logOnSuccess) {
            long r = progLoad(attr);
            if (r >= 0) {
                return new LoadResult(Fd.adopt((int) r), 0, "", false);
            }
            firstErrno = (int) -r;
        }
        int enospc = Errno.ENOSPC.number();
        for (int size = LOG_START; ; size *= 4) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(size);
                bpf_attr.log_level(attr, level);
                bpf_attr.log_buf(attr, buf.address());
                bpf_attr.log_size(attr, size);
                long r = progLoad(attr);
                String log = Bpf.cString(buf);
                bpf_attr.log_level(attr, 0);
                bpf_attr.log_buf(attr, 0);
                bpf_attr.log_size(attr, 0);
                if (r >= 0) {
                    return new LoadResult(Fd.adopt((int) r), 0, log, false);
                }
                int errno = (int) -r;
                if (errno == enospc && size < LOG_MAX) {
                    continue;
                }
                boolean truncated = errno == enospc;
                if (truncated && logOnSuccess && firstErrno == 0) {
                    // the log does not fit even at the largest size: load without it, keep what we have
                    long again = progLoad(attr);
                    if (again >= 0) {
                        return new LoadResult(Fd.adopt((int) again), 0, log, true);
                    }
                    return new LoadResult(null, (int) -again, log, true);
                }
                return new LoadResult(null, firstErrno != 0 ? firstErrno : errno, log, truncated);
            }
        }
    }

    private static long progLoad(MemorySegment attr) {
        long r = -Errno.EAGAIN.number();
        for (int i = 0; i < Bpf.PROG_LOAD_ATTEMPTS && r == -Errno.EAGAIN.number(); i++) {
            r = Syscall.bpf(BpfCommand.PROG_LOAD.value(), attr, Bpf.attrSize());
        }
        return r;
    }

    /**
     * The program's linked code with every map reference patched to its map's descriptor ({@code BPF_PSEUDO_MAP_FD},
     * {@code BPF_PSEUDO_MAP_VALUE} with the value offset) and kconfig externs turned into loads of their
     * {@code .kconfig} map value, as libbpf does.
     */
    static byte[] patchedCode(ProgramSpec p, KernelObject loaded, CoreRelocator.Result core) {
        byte[] code = p.linkedCode();
        if (core != null) {
            // CO-RE rewrites field offsets and immediates; map references stay as linkedCode() marked them.
            byte[] relocated = Instructions.encode(core.instructions());
            byte[] plain = Instructions.encode(p.linkedInstructions());
            for (int at = 0; at < code.length; at += 8) {
                if (!java.util.Arrays.equals(relocated, at, at + 8, plain, at, at + 8)) {
                    System.arraycopy(relocated, at, code, at, 8);
                }
            }
        }
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        for (Reference r : p.linkedReferences()) {
            int at = r.insnIndex() * 8;
            switch (r) {
                case Reference.MapFd m -> b.putInt(at + 4, mapFd(loaded, p, m.map()));
                case Reference.MapValue v -> b.putInt(at + 4, mapFd(loaded, p, v.map()));
                case Reference.Extern e -> {
                    if (e.call() || !e.symbol().equals(KERNEL_VERSION_EXTERN)) {
                        throw new BpfLoadException(p.name() + ": extern '" + e.symbol()
                                + "' is not supported yet (issue 4)");
                    }
                    KernelMap kconfig = loaded.kernelMap(KCONFIG);
                    GlobalVariable var = kconfig == null ? null : kconfig.spec().variables().stream()
                            .filter(v -> v.name().equals(e.symbol())).findFirst().orElse(null);
                    if (var == null) {
                        throw new BpfLoadException(p.name() + ": extern '" + e.symbol()
                                + "' has no place in a .kconfig section (the object's BTF lacks it)");
                    }
                    b.put(at + 1, (byte) ((b.get(at + 1) & 0x0f) | (Pseudo.MAP_VALUE << 4)));
                    b.putInt(at + 4, kconfig.fd().raw());
                    b.putInt(at + 12, var.offset());
                }
                default -> { }
            }
        }
        return code;
    }

    private static int mapFd(KernelObject loaded, ProgramSpec p, String name) {
        KernelMap m = loaded.kernelMap(name);
        if (m == null) {
            throw new BpfLoadException(p.name() + ": refers to map '" + name + "', which the object does not define");
        }
        return m.fd().raw();
    }

    // -------------------------------------------------------------------------------------------- names

    /** A program's kernel name: the first 15 bytes of its name, characters the kernel refuses replaced by '_'. */
    static String programName(String name) {
        String s = sanitize(name);
        return s.length() > Bpf.OBJ_NAME_LEN - 1 ? s.substring(0, Bpf.OBJ_NAME_LEN - 1) : s;
    }

    /** The kernel takes letters, digits, '_' and '.' in object names. */
    static String sanitize(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            sb.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.') ? c : '_');
        }
        return sb.toString();
    }

    private static void putName(MemorySegment field, String name) {
        String s = sanitize(name);
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int n = (int) Math.min(b.length, field.byteSize() - 1);
        field.fill((byte) 0);
        MemorySegment.copy(b, 0, field, ValueLayout.JAVA_BYTE, 0, n);
    }
}
