// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Programs for the ebpf4j benchmarks (docs/benchmarks.md), run through BPF_PROG_TEST_RUN in the kernel and through
// the fallback VM: compute-heavy XDP programs (the checksum loop is in checksum.bpf.c, the ring buffer
// producers in ringbuf.bpf.c) and a large hash map for the map benchmarks.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// Results go to .bss so the compiler keeps the work.
__u64 parse_result = 0;
__u64 parse_count = 0;

// 100k-entry hash map (u32 -> u64) for the map lookup/update and dump benchmarks.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 131072);
} big SEC(".maps");

// The counters bumped by hash_counter.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} counts SEC(".maps");

static __always_inline __u32 rol32(__u32 w, int s)
{
	return (w << s) | (w >> (32 - s));
}

// Ethernet, IPv4 with options, then TCP or UDP ports; a jhash-style mix of the 5-tuple decides pass or drop.
// (No VLAN tag: with one, the IP header's offset differs between paths, and the fallback VM's verifier, which joins
// the paths' states, loses the packet range and refuses the program; the kernel's takes it.)
SEC("xdp")
int parser(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u16 proto;
	void *l3;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = l3;
	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	__u32 ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip))
		return XDP_ABORTED;
	void *l4 = (void *)ip + ihl;
	__u32 sport = 0, dport = 0;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > end)
			return XDP_ABORTED;
		sport = tcp->source;
		dport = tcp->dest;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > end)
			return XDP_ABORTED;
		sport = udp->source;
		dport = udp->dest;
	} else {
		return XDP_PASS;
	}
	__u32 a = ip->saddr, b = ip->daddr, c = (sport << 16 | dport) ^ ip->protocol;
	for (int round = 0; round < 8; round++) {
		a -= c; a ^= rol32(c, 4);  c += b;
		b -= a; b ^= rol32(a, 6);  a += c;
		c -= b; c ^= rol32(b, 8);  b += a;
		a -= c; a ^= rol32(c, 16); c += b;
		b -= a; b ^= rol32(a, 19); a += c;
		c -= b; c ^= rol32(b, 4);  b += a;
	}
	parse_result = c;
	parse_count++;
	return (c & 0xff) == 0 ? XDP_DROP : XDP_PASS;
}

// 64 lookup-or-insert counter updates over 16 keys.
SEC("xdp")
int hash_counter(struct xdp_md *ctx)
{
	for (__u32 i = 0; i < 64; i++) {
		__u32 key = i & 15;
		__u64 *v = bpf_map_lookup_elem(&counts, &key);
		if (v) {
			__sync_fetch_and_add(v, 1);
		} else {
			__u64 one = 1;
			bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
