package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfDump;
import dev.ebpf4j.object.btf.BtfLinkage;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.testing.TestObjects;

class KernelBtfTest {

    /**
     * libbpf (inside bpftool) fixes an object's BTF up before loading it; the kernel keeps what it was given, so
     * {@code bpftool btf dump id N} of a loaded program shows libbpf's result. Ours must be the same.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hello.bpf.o", "syscall_counter.bpf.o", "globals.bpf.o", "packet_filter.bpf.o",
            "task_info.bpf.o"})
    void fixedUpBtfEqualsLibbpfs(String name) throws Exception {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless(Files.isWritable(Path.of("/sys/fs/bpf")) && "root".equals(System.getProperty("user.name")),
                "needs root and bpffs at /sys/fs/bpf");
        ObjectSpec object = ObjectSpec.open(TestObjects.example(name));
        List<Path> byName = object.maps().stream().filter(m -> m.pinning() != dev.ebpf4j.object.MapSpec.Pinning.NONE)
                .map(m -> Path.of("/sys/fs/bpf", m.name())).toList();
        for (Path pin : byName) {
            TestObjects.skipUnless(!Files.exists(pin), pin + " exists already; not touching it");
        }
        Path dir = Path.of("/sys/fs/bpf/ebpf4j-btf-test-" + ProcessHandle.current().pid());
        String theirs;
        try {
            TestObjects.run(bpftool, "prog", "loadall", TestObjects.example(name).toString(), dir.toString());
            String prog = object.programs().get(0).name();
            int btfId = new ObjectMapper().readTree(TestObjects.run(bpftool, "-j", "prog", "show", "pinned",
                    dir.resolve(prog).toString())).get("btf_id").asInt();
            theirs = TestObjects.run(bpftool, "btf", "dump", "id", String.valueOf(btfId));
        } finally {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
            for (Path pin : byName) {
                Files.deleteIfExists(pin);
            }
        }
        Btf ours = KernelBtf.prepare(object, KernelBtf.Features.ALL);
        assertEquals(theirs.strip(), BtfDump.dump(ours).strip());
        // and it still parses from its own encoding, type ids unchanged
        Btf again = Btf.parse(ours.encode());
        assertEquals(object.btf().typeCount(), again.typeCount());
    }

    @Test
    void datasecSizesAndOffsetsComeFromTheElfFile() {
        ObjectSpec object = ObjectSpec.open(TestObjects.example("globals.bpf.o"));
        Btf btf = KernelBtf.prepare(object, KernelBtf.Features.ALL);
        BtfType.Datasec rodata = btf.type(btf.findId(".rodata", BtfType.Datasec.class).orElseThrow(), BtfType.Datasec.class);
        assertEquals(40, rodata.size());
        assertEquals(List.of(0, 4, 20), rodata.vars().stream().map(BtfType.VarSecinfo::offset).toList());
    }

    @Test
    void externsBecomeGlobalVariablesLaidOutInTheirSection() {
        ObjectSpec object = ObjectSpec.open(TestObjects.example("advanced.bpf.o"));
        Btf btf = KernelBtf.prepare(object, KernelBtf.Features.ALL);
        BtfType.Datasec kconfig = btf.type(btf.findId(".kconfig", BtfType.Datasec.class).orElseThrow(), BtfType.Datasec.class);
        assertEquals(1, kconfig.vars().size());
        assertEquals(0, kconfig.vars().get(0).offset());
        assertEquals(4, kconfig.size());
        BtfType.Var v = btf.type(kconfig.vars().get(0).type(), BtfType.Var.class);
        assertEquals("LINUX_KERNEL_VERSION", v.name());
        assertEquals(BtfLinkage.GLOBAL, v.linkage());
        assertTrue(btf.types().stream().noneMatch(t -> t instanceof BtfType.Var var && var.linkage() == BtfLinkage.EXTERN));
    }

    @Test
    void kindsAnOldKernelLacksAreReplacedKeepingIds() {
        ObjectSpec object = ObjectSpec.open(TestObjects.example("globals.bpf.o"));
        KernelBtf.Features none = new KernelBtf.Features(false, false, false, false, false, false);
        Btf btf = KernelBtf.prepare(object, none);
        assertEquals(object.btf().typeCount(), btf.typeCount());
        for (int id = btf.firstTypeId(); id < btf.typeCount(); id++) {
            BtfType t = btf.type(id);
            assertTrue(!(t instanceof BtfType.Var) && !(t instanceof BtfType.Datasec) && !(t instanceof BtfType.Float)
                    && !(t instanceof BtfType.DeclTag) && !(t instanceof BtfType.TypeTag) && !(t instanceof BtfType.Enum64),
                    "type " + id + " is still " + t.kind());
            if (t instanceof BtfType.Func f) {
                assertEquals(BtfLinkage.STATIC, f.linkage());
            }
        }
        int data = object.btf().findId(".data", BtfType.Datasec.class).orElseThrow();
        BtfType.Struct s = btf.type(data, BtfType.Struct.class);
        assertEquals(24, s.size());
        assertEquals(List.of("last_len", "stats"), s.members().stream().map(BtfType.Member::name).toList());
        assertEquals(64, s.members().get(1).bitOffset());
    }
}
