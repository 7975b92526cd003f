/** The fallback runtime: objects loaded into the pure-Java eBPF VM ({@code fallback-vm}) behind the loader API. */
package dev.ebpf4j.loader.fallback;
