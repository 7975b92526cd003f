// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The less common parts of an object, in one place: a map of maps with its
// inner map template, a callback passed to bpf_loop (a function address,
// lddw src=BPF_PSEUDO_FUNC), a kconfig extern the loader resolves, a global
// (non-static) subprogram and a tail-call program array.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 16);
	__type(key, __u32);
	__array(values, struct inner);
} per_cpu_tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jump_table SEC(".maps");

struct loop_ctx {
	__u64 sum;
};

static long add_index(__u32 index, void *data)
{
	struct loop_ctx *c = data;

	c->sum += index;
	return 0;
}

__attribute__((noinline)) int scale(int x)
{
	return x * 3;
}

SEC("tp/syscalls/sys_enter_getpid")
int sum_indexes(void *ctx)
{
	struct loop_ctx c = { .sum = 0 };
	__u32 key = 0;
	void *table;

	bpf_loop(10, add_index, &c, 0);
	table = bpf_map_lookup_elem(&per_cpu_tables, &key);
	if (table) {
		__u64 *v = bpf_map_lookup_elem(table, &key);

		if (v)
			*v += c.sum + LINUX_KERNEL_VERSION;
	}
	bpf_tail_call(ctx, &jump_table, 0);
	return scale((int)c.sum);
}

char LICENSE[] SEC("license") = "GPL";
