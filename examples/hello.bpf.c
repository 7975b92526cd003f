// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The classic XDP hello world: every packet bumps a global counter kept in
// .bss and prints it to the trace pipe, then passes the packet on.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counter = 0;

SEC("xdp")
int hello(struct xdp_md *ctx)
{
	bpf_printk("Hello World %d", counter);
	counter++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
