// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Global data in every section libbpf knows: .bss, .data, .rodata,
// a custom .data.* and .rodata.* section, and strings in .rodata.str1.1.
// A tc classifier and a socket filter share it.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 min_len = 64;          /* .rodata: set before load */
const volatile char greeting[16] = "hi from rodata";
__u64 seen_packets;                          /* .bss */
__u64 long_packets = 0;                      /* .bss */
__s32 last_len = -1;                         /* .data */
__u32 custom_counter SEC(".data.counters") = 7;
const __u32 magic SEC(".rodata.consts") = 0xebbf4;

struct stats {
	__u64 bytes;
	__u32 packets;
	__u16 min;
	__u16 max;
} stats = { .min = 0xffff };                  /* .data, a struct variable */

SEC("tc")
int classify(struct __sk_buff *skb)
{
	seen_packets++;
	last_len = skb->len;
	stats.bytes += skb->len;
	stats.packets++;
	if (skb->len < stats.min)
		stats.min = skb->len;
	if (skb->len > stats.max)
		stats.max = skb->len;
	if (skb->len >= min_len) {
		long_packets++;
		custom_counter += magic & 1;
		bpf_printk("long packet %u (%s)", skb->len, greeting);
	}
	return TC_ACT_OK;
}

SEC("socket")
int keep_long(struct __sk_buff *skb)
{
	return skb->len >= min_len ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
__u32 _version SEC("version") = 1;
