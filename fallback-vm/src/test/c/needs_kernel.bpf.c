// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// An object only the kernel runtime can load: a device map (not implemented by the fallback VM) and
// bpf_redirect_map (a helper the VM lacks). Tests use it for the fallback VM's refusals.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int forward(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ports, ctx->ingress_ifindex & 3, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
