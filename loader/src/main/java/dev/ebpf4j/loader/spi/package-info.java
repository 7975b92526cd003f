/** What a runtime (the kernel, the fallback VM) implements to load objects; not for applications. */
package dev.ebpf4j.loader.spi;
