/**
 * Short, commented programs against ebpf4j's public API, each runnable with {@code main} and exercised by a test:
 * {@link dev.ebpf4j.examples.HelloXdp}, {@link dev.ebpf4j.examples.SyscallCounter},
 * {@link dev.ebpf4j.examples.PacketFilter}, {@link dev.ebpf4j.examples.RingBufferEvents}. They load the objects
 * that {@code examples/} holds (built from the C sources next to them).
 */
package dev.ebpf4j.examples;
