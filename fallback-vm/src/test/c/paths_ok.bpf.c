// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Programs the kernel's verifier accepts by exploring paths separately, which a verifier that joins the states
// of paths where they meet refuses (the packet range is lost at the join): a bounded loop over the packet, a
// 1 KiB fill loop over a ring buffer record and a parser whose packet pointer is at 14 or 18 bytes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

__u64 checksum_result = 0;
__u64 rb_dropped = 0;
__u64 ip_protocol = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} records SEC(".maps");

// The folded 16-bit one's complement sum of up to 1500 bytes of packet.
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

// One 1 KiB ring buffer record, every 8-byte word written in a loop.
SEC("xdp")
int fill_1k(struct xdp_md *ctx)
{
	__u64 *rec = bpf_ringbuf_reserve(&records, 1024, 0);
	if (!rec) {
		rb_dropped++;
		return XDP_PASS;
	}
	for (__u32 i = 0; i < 128; i++)
		rec[i] = i * 3;
	bpf_ringbuf_submit(rec, 0);
	return XDP_PASS;
}

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

// Ethernet, an optional 802.1Q tag, IPv4: the IP header is at 14 or 18 bytes depending on the path.
SEC("xdp")
int vlan_parser(struct xdp_md *ctx)
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
		if ((void *)(vlan + 1) > end)
			return XDP_DROP;
		proto = vlan->proto;
		next = vlan + 1;
	}
	if (proto != __builtin_bswap16(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = next;
	if ((void *)(ip + 1) > end)
		return XDP_DROP;
	ip_protocol = ip->protocol;
	return ip->protocol == 17 ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
