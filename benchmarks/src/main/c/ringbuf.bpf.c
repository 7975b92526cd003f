// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Ring buffer producers for RingBufBenchmark, run in the kernel by BPF_PROG_TEST_RUN with a repeat count: one
// record per run. (Kernel only: the fallback VM's verifier refuses the 1 KiB fill loop.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 rb_dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

static __always_inline int produce(__u32 size_words, __u32 size)
{
	__u64 *rec = bpf_ringbuf_reserve(&events, size, 0);
	if (!rec) {
		rb_dropped++;
		return XDP_PASS;
	}
	for (__u32 i = 0; i < size_words; i++)
		rec[i] = i;
	bpf_ringbuf_submit(rec, 0);
	return XDP_PASS;
}

// One 64-byte ring buffer record per run.
SEC("xdp")
int rb_64(struct xdp_md *ctx)
{
	return produce(8, 64);
}

// One 1 KiB ring buffer record per run.
SEC("xdp")
int rb_1k(struct xdp_md *ctx)
{
	return produce(128, 1024);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
