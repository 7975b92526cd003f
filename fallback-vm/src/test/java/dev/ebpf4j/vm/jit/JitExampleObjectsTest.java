package dev.ebpf4j.vm.jit;

import dev.ebpf4j.vm.Packets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.RunOptions;
import dev.ebpf4j.vm.VmObject;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.RawContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.maps.ArrayMap;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.HashTableMap;
import dev.ebpf4j.vm.maps.MapOfMaps;
import dev.ebpf4j.vm.maps.ProgArrayMap;

/**
 * Every example object, every program, a set of contexts, on both engines: same return value, packet, context,
 * instruction count or fault, same map contents and trace lines after every run.
 */
class JitExampleObjectsTest {

    /** One VM with the object loaded; deterministic clock and random numbers. */
    static final class World {
        final BpfVm vm;
        final VmObject obj;
        final List<String> trace = new ArrayList<>();

        World(Path path, Engine engine) {
            vm = Engines.vm(VmOptions.defaults().withPossibleCpus(2).withClock(() -> 1_000_000L).withRandomSeed(7)
                    .withTask(100, 100, "test").withKconfig(Map.of("LINUX_KERNEL_VERSION", 0x060800L)), engine);
            obj = vm.load(ObjectSpec.open(path));
            vm.traceLog().subscribe(e -> trace.add(e.traceLine()));
        }

        /** Map contents as text, per map, keys sorted. */
        Map<String, String> maps() {
            Map<String, String> out = new TreeMap<>();
            for (var e : obj.maps().entrySet()) {
                BpfMap m = e.getValue();
                String text;
                try {
                    TreeSet<String> entries = new TreeSet<>();
                    for (byte[] k : m.keys()) {
                        byte[] v = m.lookup(k);
                        entries.add(HexFormat.of().formatHex(k) + "=" + (v == null ? "null" : HexFormat.of().formatHex(v)));
                    }
                    text = entries.toString();
                } catch (RuntimeException ex) {
                    text = ex.getClass().getSimpleName();
                }
                out.put(e.getKey(), text);
            }
            return out;
        }
    }

    static List<Supplier<ProgramContext>> contexts(ProgramType type) {
        List<byte[]> packets = List.of(Packets.udp(53, 20), Packets.udp(80, 0), Packets.udp(53, 100 - 42),
                Packets.tcp(53), Packets.arp(), new byte[10], Packets.udp(1, 1500 - 42));
        List<Supplier<ProgramContext>> out = new ArrayList<>();
        for (byte[] p : packets) {
            switch (type) {
                case XDP -> out.add(() -> XdpContext.of(p));
                case SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB -> out.add(() -> SkBuffContext.of(p));
                default -> { }
            }
        }
        if (out.isEmpty()) {
            for (long id : new long[] {0, 1, 1, 59, 511, 512 + 59}) {
                out.add(() -> RawContext.args(0xdead_0000L, id));
            }
            out.add(() -> RawContext.of(new byte[256]));
        }
        return out;
    }

    private static int compare(World interp, World jit, String what) {
        int runs = 0;
        for (String name : interp.obj.programs().keySet()) {
            VmProgram pi = interp.obj.program(name);
            VmProgram pj = jit.obj.program(name);
            for (Supplier<ProgramContext> ctx : contexts(pi.type())) {
                for (int cpu = 0; cpu < 2; cpu++) {
                    RunOptions o = RunOptions.defaults().withCpu(cpu);
                    Engines.Outcome a = Engines.Outcome.of(() -> pi.run(ctx.get(), o));
                    Engines.Outcome b = Engines.Outcome.of(() -> pj.run(ctx.get(), o));
                    String where = what + " " + name + " run " + runs;
                    assertTrue(a.sameAs(b), where + ": interpreter " + a + " / jit " + b);
                    assertEquals(interp.maps(), jit.maps(), where + ": maps");
                    assertEquals(interp.trace, jit.trace, where + ": trace");
                    runs++;
                }
            }
        }
        return runs;
    }

    @Test
    void everyExampleProgramBehavesTheSameOnBothEngines() {
        int runs = 0;
        int compiled = 0;
        for (Path path : TestObjects.exampleObjects()) {
            World interp = new World(path, Engine.INTERPRETER);
            World jit = new World(path, Engine.JIT);
            for (VmProgram p : jit.obj.programs().values()) {
                assertNotNull(p.compilation().program(), p.name() + ": " + p.compilation().refusal());
                compiled++;
            }
            runs += compare(interp, jit, path.getFileName().toString());
        }
        System.out.println("JIT examples: " + compiled + " programs compiled, " + runs + " runs compared");
        assertTrue(compiled >= 8 && runs >= 100, compiled + " programs, " + runs + " runs");
    }

    @Test
    void advancedWithInnerMapAndTailCallsBehavesTheSame() {
        Path path = TestObjects.example("advanced.bpf.o");
        List<World> worlds = List.of(new World(path, Engine.INTERPRETER), new World(path, Engine.JIT));
        for (World w : worlds) {
            MapOfMaps outer = w.obj.map("per_cpu_tables", MapOfMaps.class);
            outer.set(new byte[4], (ArrayMap) w.vm.createMap(outer.spec().innerMap()));
        }
        int runs = compare(worlds.get(0), worlds.get(1), "advanced with an inner map");
        for (World w : worlds) {
            VmProgram target = w.vm.program("ret7", ProgramType.TRACEPOINT, List.of(Instruction.mov64(0, 7), Instruction.exit()));
            w.obj.map("jump_table", ProgArrayMap.class).set(0, target);
        }
        runs += compare(worlds.get(0), worlds.get(1), "advanced with a tail call");
        for (World w : worlds) {
            // the program as its own tail call target: 33 tail calls, then the limit
            w.obj.map("jump_table", ProgArrayMap.class).set(0, w.obj.program("sum_indexes"));
        }
        runs += compare(worlds.get(0), worlds.get(1), "advanced calling itself");
        assertTrue(runs > 10);
    }

    @Test
    void packetFilterWithABlockedPortBehavesTheSame() {
        Path path = TestObjects.example("packet_filter.bpf.o");
        List<World> worlds = List.of(new World(path, Engine.INTERPRETER), new World(path, Engine.JIT));
        for (World w : worlds) {
            w.obj.map("blocked_ports", HashTableMap.class).update(new byte[] {0, 53}, new byte[8]);
            w.obj.map("blocked_ports", HashTableMap.class).update(new byte[] {53, 0}, new byte[8]);
        }
        compare(worlds.get(0), worlds.get(1), "packet_filter blocking 53");
        assertTrue(worlds.get(1).maps().toString().contains("3500="), worlds.get(1).maps().toString());
    }
}
