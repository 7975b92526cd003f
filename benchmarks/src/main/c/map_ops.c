// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// C anchor for MapOpsBenchmark: bpf_map_lookup_elem / bpf_map_update_elem (libbpf) in a loop on a hash map
// u32 -> u64 holding 100,000 entries (the sizes of the 'big' map in bench.bpf.c). Prints, per operation, the median
// and the min..max over the rounds of ns per call and calls per second.
//   map_ops [rounds] [calls-per-round]
#include <bpf/bpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENTRIES 100000

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

static void report(const char *what, double *ns, int rounds)
{
	qsort(ns, rounds, sizeof(*ns), cmp);
	double med = rounds % 2 ? ns[rounds / 2] : (ns[rounds / 2 - 1] + ns[rounds / 2]) / 2;
	printf("%-8s median %.1f ns/op (%.2f M ops/s), min %.1f, max %.1f ns/op over %d rounds\n",
	       what, med, 1e3 / med, ns[0], ns[rounds - 1], rounds);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	long calls = argc > 2 ? atol(argv[2]) : 1000000;
	double lookup[64], update[64];
	if (rounds < 1 || rounds > 64 || calls < 1) {
		fprintf(stderr, "usage: %s [rounds 1..64] [calls-per-round]\n", argv[0]);
		return 2;
	}
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_c", 4, 8, 131072, NULL);
	if (fd < 0) {
		fprintf(stderr, "bpf_map_create: %s\n", strerror(errno));
		return 1;
	}
	for (uint32_t k = 0; k < ENTRIES; k++) {
		uint64_t v = k;
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
			fprintf(stderr, "fill: %s\n", strerror(errno));
			return 1;
		}
	}
	uint64_t sink = 0;
	for (int r = -1; r < rounds; r++) { // round -1 warms up
		uint64_t t0 = now_ns();
		for (long i = 0; i < calls; i++) {
			uint32_t k = (uint32_t)(i % ENTRIES);
			uint64_t v;
			if (bpf_map_lookup_elem(fd, &k, &v)) {
				fprintf(stderr, "lookup: %s\n", strerror(errno));
				return 1;
			}
			sink += v;
		}
		uint64_t t1 = now_ns();
		for (long i = 0; i < calls; i++) {
			uint32_t k = (uint32_t)(i % ENTRIES);
			uint64_t v = i;
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
				fprintf(stderr, "update: %s\n", strerror(errno));
				return 1;
			}
		}
		uint64_t t2 = now_ns();
		if (r >= 0) {
			lookup[r] = (double)(t1 - t0) / calls;
			update[r] = (double)(t2 - t1) / calls;
		}
	}
	report("lookup", lookup, rounds);
	report("update", update, rounds);
	close(fd);
	return sink == 42; // keeps the lookups
}
