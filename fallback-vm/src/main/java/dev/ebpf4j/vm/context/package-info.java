/** Program contexts (xdp_md, __sk_buff, tracing arguments, raw memory) as programs see them, and their results. */
package dev.ebpf4j.vm.context;
