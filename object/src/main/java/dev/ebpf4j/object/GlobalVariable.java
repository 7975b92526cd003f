package dev.ebpf4j.object;

/**
 * A global variable in a data section ({@code .bss}, {@code .data}, {@code .rodata}, ...).
 *
 * @param name      its name (static locals carry clang's {@code function.name} form)
 * @param section   the data section holding it
 * @param offset    byte offset in the section (and so in the map value)
 * @param size      size in bytes
 * @param btfTypeId the BTF type id of the variable's type, 0 when the object has no BTF for it
 * @param global    true for global linkage, false for static variables
 */
public record GlobalVariable(String name, String section, int offset, int size, int btfTypeId, boolean global) {
}
