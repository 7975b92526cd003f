/** Introspection of what is loaded in the kernel: programs, maps, BTF objects and links, by id, name, tag or pin. */
package dev.ebpf4j.loader.inspect;
