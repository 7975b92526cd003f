// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// C anchor for LoadAttachBenchmark: bpf_object__open_file + bpf_object__load + an XDP attach in generic (skb) mode
// + detach and close, in a loop, with libbpf. The attach is a BPF link (bpf_link_create with XDP_FLAGS_SKB_MODE)
// as ebpf4j's attachXdp(ifname, GENERIC) makes one; bpf_program__attach_xdp would pick the driver mode on a veth.
//   load_attach OBJECT PROGRAM IFNAME [rounds] [iterations-per-round]
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

static int once(const char *path, const char *name, int ifindex)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = -1;
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load: %s\n", strerror(errno));
		goto out;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
	if (!prog) {
		fprintf(stderr, "no program %s\n", name);
		goto out;
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_SKB_MODE);
	int link = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &opts);
	if (link < 0) {
		fprintf(stderr, "attach: %s\n", strerror(errno));
		goto out;
	}
	close(link);
	rc = 0;
out:
	bpf_object__close(obj);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s OBJECT PROGRAM IFNAME [rounds] [iterations]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 4 ? atoi(argv[4]) : 5;
	int iters = argc > 5 ? atoi(argv[5]) : 50;
	double ms[64];
	if (rounds < 1 || rounds > 64 || iters < 1)
		return 2;
	int ifindex = if_nametoindex(argv[3]);
	if (!ifindex) {
		fprintf(stderr, "%s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	libbpf_set_print(quiet);
	for (int r = -1; r < rounds; r++) { // round -1 warms up
		uint64_t t0 = now_ns();
		for (int i = 0; i < iters; i++)
			if (once(argv[1], argv[2], ifindex))
				return 1;
		if (r >= 0)
			ms[r] = (now_ns() - t0) / 1e6 / iters;
	}
	qsort(ms, rounds, sizeof(*ms), cmp);
	double med = rounds % 2 ? ms[rounds / 2] : (ms[rounds / 2 - 1] + ms[rounds / 2]) / 2;
	printf("open+load+attach+detach+close median %.3f ms/op, min %.3f, max %.3f over %d rounds of %d\n",
	       med, ms[0], ms[rounds - 1], rounds, iters);
	return 0;
}
