/**
 * The fallback VM's static verifier: {@link dev.ebpf4j.vm.verifier.Verifier#verify} checks a program before the
 * interpreter runs it and refuses bad ones with a {@link dev.ebpf4j.vm.verifier.VerifierException} naming the
 * instruction (slot index) and the reason, worded after the kernel verifier's log.
 *
 * <h2>Usage</h2>
 * <pre>{@code
 * // a program from an object: its type, its maps bound by lddw slot, its kconfig externs
 * Verifier.verify(program.linkedInstructions(), VerifierOptions.forProgram(object, program));
 * // hand-made: type, maps by fd (lddw imm), helper set, budget, log level
 * VerifierOptions.of(ProgramType.XDP).withMap(3, MapInfo.from(spec))
 *         .withHelpers(HelperSet.kernelSubset().without(44)).withLogLevel(2);
 * // the BPF ISA conformance contract (no program type)
 * VerifierOptions.conformance();
 * }</pre>
 *
 * <h2>Checks</h2>
 * Structure (no dataflow): non-empty, at most 1M slots; opcodes and their reserved fields ({@code invalid opcode
 * 0xff}, {@code BPF_ALU uses reserved fields}...); registers 0..10 ({@code invalid register r11}) and R10 never
 * written ({@code R10 is read only}); lddw sources and the maps they name; jump and call targets in range and not
 * into an lddw's second slot; subprograms from BPF-to-BPF call and callback ({@code lddw func}) targets, no jumps
 * between them, each ending in exit or goto; every instruction reachable; no recursion and at most 8 frames on
 * the static call graph; legacy packet loads only in socket_filter/sched_cls/sched_act without subprograms.
 * Shifts by immediates out of range and division by an immediate zero are refused as the kernel does, except in
 * the ISA mode (RFC 9669 defines them, and the conformance suite runs them). Back-edges are allowed: bounded loops
 * are fine and the interpreter's instruction budget is the last guard against endless ones.
 *
 * <p>Dataflow: abstract interpretation over a register lattice (uninitialised, scalar with an unsigned range, ctx,
 * stack pointer with frame and offset range, map value / map value or NULL, map, map or NULL (map-in-map), packet
 * / packet end, ringbuf memory / or NULL, ISA-mode memory, function, "mixed"), per-byte stack initialisation with
 * 8-byte register spills, per-id packet ranges and held references. It checks reads of uninitialised registers
 * ({@code R2 !read_ok}), R1-R5 dead after calls and R0 set, R0 at exit (a scalar for typed programs), stack
 * accesses inside [-512, 0) and reads only of written bytes (constant and bounded variable offsets), context
 * accesses inside the program type's context, unmodified ctx pointers, writes only to writable ctx fields, map
 * value accesses inside value_size and no writes to read-only maps, the NULL check of
 * {@code bpf_map_lookup_elem} results ({@code R0 invalid mem access 'map_value_or_null'}), packet accesses only
 * inside a range proven by a comparison with {@code data_end}, pointer arithmetic rules (no 32-bit, bitwise,
 * multiplicative arithmetic, no pointer + pointer (pointer - pointer is a scalar, as for privileged programs);
 * none on NULL-able, map or packet-end pointers), helper calls
 * (known id, allowed for the program type, argument kinds and sizes, map type compatibility, callback frames for
 * {@code bpf_loop}), ringbuf references released before exit or tail call, stack pointers not returned from or
 * stored into a caller's frame, and the combined stack of every call chain at most 512 bytes (each frame rounded
 * up to 32 bytes, as the kernel rounds for the interpreter).
 *
 * <h2>What is sound and what is approximated</h2>
 * The dataflow pass explores paths separately, depth first, as the kernel does. At prune points (jump targets, the
 * instruction after a conditional jump or a call, function entries) it keeps the states it has seen and drops a new
 * state that one of them covers ({@code Subsumption}: every check that passes for the old state passes for the new
 * one, comparing only the registers a static liveness pass says some path still reads, and only the packet ranges
 * of pointers the old state holds), whether the old state is fully explored or still on the current path (a loop),
 * a state being kept when its exploration starts: the kept states are an invariant of the program, which is what
 * soundness for the properties above needs (termination is the run-time instruction budget's job). Bounded loops
 * are therefore walked iteration by iteration and a value may be a packet pointer at offset 14 on one path and 18
 * on another. Kept states that keep failing to prune are dropped from the
 * comparison list, as the kernel drops them (a cost, never a soundness, matter). After
 * {@code Analyzer.MAX_STATES_PER_POINT} (4096) distinct states at one point, the states arriving there are joined
 * instead; after 8 changes of that joined state the joins widen (scalar bounds jump to thresholds taken from the
 * program's comparison constants, pointer offsets to unbounded), so loops whose states never repeat still reach a
 * fixed point. At joins a value that is a pointer on one path and a scalar on another becomes "mixed" and may not be
 * used for arithmetic or memory access. Scalars keep only unsigned ranges; signed comparisons refine nothing unless
 * both sides are known non-negative; there is no precision tracking, so more states may be explored than the
 * kernel explores. Each load of {@code data} starts a packet base of its own (pointers from an earlier visit of the
 * same load keep their range under another id), as the kernel's fresh register has no range. Branches whose outcome
 * is known from constants or ranges are pruned, as the kernel prunes them. The work is bounded by
 * {@link dev.ebpf4j.vm.verifier.VerifierOptions#maxProcessed()} instruction visits ({@code BPF program is too
 * large}).
 *
 * <p>Approximations and omissions: context layouts are modelled for __sk_buff, xdp_md, pt_regs (x86-64),
 * perf_event, tracepoints and raw/BTF tracepoints, other program types get a 1024-byte context; only
 * data/data_end become packet pointers (data_meta is a scalar); writable __sk_buff fields are a short list;
 * alignment is not checked (the VM does not need it); spin lock pairing, return value ranges per program type,
 * kfuncs, callx, BTF-typed pointers other than {@code bpf_get_current_task_btf}'s (loads at constant offsets
 * below 16 KiB, no stores) and arenas are not modelled (kfunc and callx are refused). Memory reached
 * through the ISA-mode R1 is bounds-checked by the interpreter at run time, not here.
 */
package dev.ebpf4j.vm.verifier;
