// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// bpf_get_current_task_btf: fields of the current task read by plain loads (CO-RE relocated), and a store
// through the task pointer, which the kernel refuses ("only read is supported" at insn 2), so the kernel
// loads this object only with write_task switched off (SEC("?tracepoint/...") in libbpf).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

__u64 seen_pid = 0;
__u64 seen_tgid = 0;

SEC("tracepoint/sched/sched_process_exec")
int read_task(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	seen_pid = t->pid;
	seen_tgid = t->tgid;
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int write_task(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	t->pid = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
