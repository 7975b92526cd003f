// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CO-RE: reads task_struct fields with BPF_CORE_READ from a kprobe and a
// tracepoint, and sends records through a ring buffer. The kernel types are
// declared locally with preserve_access_index, so no vmlinux.h is needed and
// the object carries CO-RE relocations in .BTF.ext.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

/* A kernel enum, declared locally: bpf_core_enum_value() reads its value from the running kernel. */
enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_MAX };

#define TASK_INFO_OPEN 2

struct task_event {
	__u32 pid;
	__u32 ppid;
	__u32 kind;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline int emit(__u32 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = BPF_CORE_READ(task, tgid);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->kind = kind;
	if (bpf_core_field_exists(task->comm))
		BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("kprobe/do_sys_openat2")
int on_open(void *ctx)
{
	return emit(TASK_INFO_OPEN);
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	if (!bpf_core_type_exists(struct task_struct))
		return 0;
	/* PIDTYPE_TGID is 1 in every kernel so far: the record kind for exec events. */
	return emit(bpf_core_enum_value(enum pid_type, PIDTYPE_TGID));
}

char LICENSE[] SEC("license") = "GPL";
