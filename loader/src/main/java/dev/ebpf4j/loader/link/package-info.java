/** Attachments: a loaded program hooked to a tracepoint, kprobe, raw tracepoint or network interface, as a {@link dev.ebpf4j.loader.link.Link}. */
package dev.ebpf4j.loader.link;
