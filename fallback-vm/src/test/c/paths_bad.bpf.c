// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The negative twins of paths_ok.bpf.c: each one reads a byte past what its checks prove, and the kernel's
// verifier refuses every one of them (see VerifierPathsTest for the words).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

__u64 checksum_result = 0;
__u64 ip_protocol = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} records SEC(".maps");

// The checksum loop without the data_end check.
SEC("xdp")
int checksum_unchecked(struct xdp_md *ctx)
{
	__u16 *p = (void *)(long)ctx->data;
	__u64 sum = 0;

	for (int i = 0; i < 750; i++) {
		sum += *p;
		p++;
	}
	checksum_result = sum;
	return XDP_PASS;
}

// The checksum loop checking one word but reading the next one too.
SEC("xdp")
int checksum_off_by_one(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	__u16 *p = (void *)(long)ctx->data;
	__u64 sum = 0;

	for (int i = 0; i < 750; i++) {
		if ((void *)(p + 1) > end)
			break;
		sum += p[0] + p[1];
		p++;
	}
	checksum_result = sum;
	return XDP_PASS;
}

// 129 words into a 1 KiB record.
SEC("xdp")
int fill_1k_off_by_one(struct xdp_md *ctx)
{
	__u64 *rec = bpf_ringbuf_reserve(&records, 1024, 0);
	if (!rec)
		return XDP_PASS;
	for (__u32 i = 0; i <= 128; i++)
		rec[i] = i;
	bpf_ringbuf_submit(rec, 0);
	return XDP_PASS;
}

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

// The VLAN path moves the header pointer without checking the tag is inside the packet.
SEC("xdp")
int vlan_unchecked(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *next = eth + 1;
	__u16 proto;

	if (next > end)
		return XDP_DROP;
	proto = eth->h_proto;
	if (proto == __builtin_bswap16(ETH_P_8021Q)) {
		struct vlan_hdr *vlan = next;
		proto = vlan->proto;
		next = vlan + 1;
	}
	if (proto != __builtin_bswap16(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = next;
	if ((void *)(ip + 1) > end)
		return XDP_DROP;
	ip_protocol = ip->protocol;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
