package dev.ebpf4j.benchmarks;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmObject;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.maps.BpfMap;

/**
 * One run of an eBPF program in the fallback VM, interpreter vs JIT: the example objects {@code hello.bpf.o}
 * (XDP, a global counter and a {@code bpf_trace_printk}) and {@code packet_filter.bpf.o} (XDP on a UDP packet, a
 * hash map lookup and a per-CPU array update), and three compute-heavy programs written here as instructions:
 * an Internet checksum over a 1500-byte packet, 64 hash-map counter updates, and a loop of 10,000 ALU operations.
 * A run includes what {@code VmProgram.run} always does: the context restored (packet copied in again), the stack
 * zeroed, and per call the result (packet and context out).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FallbackVmBenchmark {
    @Param({"INTERPRETER", "JIT"})
    public String engine;

    @Param({"hello", "packet_filter", "checksum", "hash_counter", "alu_loop"})
    public String program;

    private VmProgram prog;
    private ProgramContext ctx;

    @Setup
    public void setUp() {
        BpfVm vm = new BpfVm(VmOptions.defaults().withPossibleCpus(2).withEngine(Engine.valueOf(engine)));
        switch (program) {
            case "hello" -> {
                VmObject obj = vm.load(ObjectSpec.open(example("hello.bpf.o")));
                prog = obj.program("hello");
                ctx = XdpContext.of(udp(53, 64));
            }
            case "packet_filter" -> {
                VmObject obj = vm.load(ObjectSpec.open(example("packet_filter.bpf.o")));
                prog = obj.program("filter_udp_ports");
                obj.map("blocked_ports").update(new byte[] {0, 53}, new byte[8]);
                ctx = XdpContext.of(udp(80, 64));
            }
            case "checksum" -> {
                prog = vm.program("checksum", ProgramType.XDP, checksum());
                ctx = XdpContext.of(udp(9, 1500 - 42));
            }
            case "hash_counter" -> {
                BpfMap map = vm.createMap(new MapSpec("counts", "counts", MapSpec.Kind.BTF, ".maps", MapType.HASH, 4, 8, 64, 0,
                        MapSpec.Pinning.NONE, 0, 0, 0, 0, null, null, List.of()));
                prog = vm.program("hash_counter", ProgramType.XDP, hashCounter(map.fd()));
                ctx = XdpContext.of(udp(9, 64));
            }
            case "alu_loop" -> {
                prog = vm.program("alu_loop", ProgramType.UNSPEC, aluLoop());
                ctx = MemoryContext.empty();
            }
            default -> throw new IllegalArgumentException(program);
        }
        long r0 = prog.run(ctx).returnValue();
        if (Engine.valueOf(engine) == Engine.JIT && prog.compilation().program() == null) {
            throw new IllegalStateException(program + " not compiled: " + prog.compilation().refusal());
        }
        System.out.println("# " + program + " on " + engine + ": r0 = " + r0 + ", " + prog.run(ctx).instructions() + " instructions");
    }

    @Benchmark
    public long run() {
        return prog.run(ctx).returnValue();
    }

    static Path example(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("examples").resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("examples/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    static byte[] udp(int port, int payload) {
        ByteBuffer b = ByteBuffer.allocate(42 + payload);
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload)).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).putInt(0xc0a80001).putInt(0xc0a80002);
        b.putShort((short) 40000).putShort((short) port).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static Instruction op(int code, int dst, int src, int off, int imm) {
        return Instruction.of(code, dst, src, off, imm);
    }

    /** The 16-bit one's complement sum of the packet [data, data_end), folded. */
    static List<Instruction> checksum() {
        return List.of(
                op(LDX | MEM | W, 2, 1, 0, 0),          // r2 = ctx->data
                op(LDX | MEM | W, 3, 1, 4, 0),          // r3 = ctx->data_end
                Instruction.mov64(0, 0),
                Instruction.mov64Reg(4, 2),             // loop: r4 = r2 + 2
                op(ALU64 | ADD | K, 4, 0, 0, 2),
                op(JMP | JGT | X, 4, 3, 4, 0),          // if r4 > data_end goto fold
                op(LDX | MEM | H, 5, 2, 0, 0),          // r5 = *(u16 *)r2
                op(ALU64 | ADD | X, 0, 5, 0, 0),
                op(ALU64 | ADD | K, 2, 0, 0, 2),
                Instruction.ja(-7),
                Instruction.mov64Reg(1, 0),             // fold twice
                op(ALU64 | RSH | K, 1, 0, 0, 16),
                op(ALU64 | AND | K, 0, 0, 0, 0xffff),
                op(ALU64 | ADD | X, 0, 1, 0, 0),
                Instruction.mov64Reg(1, 0),
                op(ALU64 | RSH | K, 1, 0, 0, 16),
                op(ALU64 | AND | K, 0, 0, 0, 0xffff),
                op(ALU64 | ADD | X, 0, 1, 0, 0),
                op(ALU64 | XOR | K, 0, 0, 0, 0xffff),
                Instruction.exit());
    }

    /** 64 times: key = i & 15; value = lookup(key); if value: *value += 1 (atomic) else update(key, 1). */
    static List<Instruction> hashCounter(int fd) {
        return List.of(
                Instruction.mov64(6, 0),                // r6 = i
                Instruction.mov64Reg(7, 6),             // loop: key = i & 15 at fp-4
                op(ALU64 | AND | K, 7, 0, 0, 15),
                op(STX | MEM | W, 10, 7, -4, 0),
                Instruction.loadMapFd(1, fd),
                Instruction.mov64Reg(2, 10),
                op(ALU64 | ADD | K, 2, 0, 0, -4),
                Instruction.callHelper(1),              // map_lookup_elem
                op(JMP | JEQ | K, 0, 0, 3, 0),
                Instruction.mov64(1, 1),
                op(STX | ATOMIC | DW, 0, 1, 0, ATOMIC_ADD),
                Instruction.ja(9),
                op(ST | MEM | DW, 10, 0, -16, 1),       // value 1 at fp-16
                Instruction.loadMapFd(1, fd),
                Instruction.mov64Reg(2, 10),
                op(ALU64 | ADD | K, 2, 0, 0, -4),
                Instruction.mov64Reg(3, 10),
                op(ALU64 | ADD | K, 3, 0, 0, -16),
                Instruction.mov64(4, 0),
                Instruction.callHelper(2),              // map_update_elem
                op(ALU64 | ADD | K, 6, 0, 0, 1),        // next:
                op(JMP | JLT | K, 6, 0, -23, 64),
                Instruction.mov64(0, 2),
                Instruction.exit());
    }

    /** 1,000 iterations of 10 ALU operations (plus the loop's own 2). */
    static List<Instruction> aluLoop() {
        return List.of(
                Instruction.mov64(0, 1),
                Instruction.mov64(1, 0),
                Instruction.mov64(2, 12345),
                op(ALU64 | MUL | K, 0, 0, 0, 31),       // loop:
                op(ALU64 | ADD | X, 0, 2, 0, 0),
                op(ALU64 | XOR | K, 0, 0, 0, 0x5bd1e995),
                op(ALU64 | RSH | K, 2, 0, 0, 3),
                op(ALU64 | ADD | X, 2, 0, 0, 0),
                op(ALU | ADD | K, 2, 0, 0, 7),
                op(ALU64 | LSH | K, 0, 0, 0, 1),
                op(ALU64 | OR | X, 0, 1, 0, 0),
                op(ALU64 | SUB | X, 0, 2, 0, 0),
                op(ALU64 | ADD | K, 1, 0, 0, 1),
                op(JMP | JLT | K, 1, 0, -11, 1000),
                Instruction.exit());
    }
}
