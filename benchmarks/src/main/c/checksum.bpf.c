// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The checksum loop of the ebpf4j benchmarks, in an object of its own: the kernel's verifier takes it (it walks
// the 750 iterations), the fallback VM's verifier refuses it (it joins the loop's states and loses the packet range,
// see docs/benchmarks.md), which would refuse the whole object.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 checksum_result = 0;

// The 16-bit one's complement sum of up to 1500 bytes of packet, folded.
SEC("xdp")
int checksum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u16 *p = data;
	__u64 sum = 0;

	for (int i = 0; i < 750; i++) {
		if ((void *)(p + 1) > end)
			break;
		sum += *p;
		p++;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	checksum_result = ~sum & 0xffff;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
