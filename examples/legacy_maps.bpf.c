// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A map declared the pre-BTF way, in the "maps" section with struct
// bpf_map_def, as older objects still do. libbpf 1.x no longer ships the
// struct, so it is spelled out here in the layout the loaders expect.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_legacy {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_legacy SEC("maps") packets = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

struct bpf_map_def_legacy SEC("maps") sizes = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 128,
	.map_flags = 0,
};

SEC("socket")
int legacy_counter(struct __sk_buff *skb)
{
	__u32 key = skb->protocol & 3;
	__u32 len = skb->len;
	__u64 *n = bpf_map_lookup_elem(&packets, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	bpf_map_update_elem(&sizes, &len, &len, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
