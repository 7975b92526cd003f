/** The interpreter: decoded program code, the per-run execution state and the instruction loop. */
package dev.ebpf4j.vm.interp;
