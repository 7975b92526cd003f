// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A typed ksym: a kernel variable the program reads directly. The fallback VM has no kernel memory, so a test
// supplies the variable's bytes (VmOptions.withKsym), or loading is refused naming the symbol.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ebpf4j_limits {
	__u32 soft;
	__u32 hard;
};

extern const struct ebpf4j_limits ebpf4j_limits __ksym;

SEC("xdp")
int over_limit(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex > ebpf4j_limits.hard ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
