/** BPF helper functions by kernel id, the interface compiled code calls them through, and the trace log. */
package dev.ebpf4j.vm.helpers;
