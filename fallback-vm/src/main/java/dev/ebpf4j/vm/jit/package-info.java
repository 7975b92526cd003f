/** The JIT: eBPF programs compiled to hidden JVM classes with {@code java.lang.classfile}, the interpreter's semantics. */
package dev.ebpf4j.vm.jit;
