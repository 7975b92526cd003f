// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Counts system calls per syscall id from the raw tracepoint sys_enter.
// The accounting lives in a noinline function, so the object carries a
// BPF-to-BPF call (src_reg=1) into a subprogram in .text.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u64);
} syscall_counts SEC(".maps");

__u64 total_calls = 0;

static __attribute__((noinline)) int account(__u64 id)
{
	__u32 key = id & 511;
	__u64 *count = bpf_map_lookup_elem(&syscall_counts, &key);

	if (!count)
		return 0;
	__sync_fetch_and_add(count, 1);
	__sync_fetch_and_add(&total_calls, 1);
	return 1;
}

SEC("raw_tp/sys_enter")
int count_syscalls(struct bpf_raw_tracepoint_args *ctx)
{
	/* sys_enter(struct pt_regs *regs, long id) */
	return account(ctx->args[1]) ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
