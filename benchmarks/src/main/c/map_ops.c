// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// C anchor for MapOpsBenchmark and MapDumpBenchmark on a hash map u32 -> u64 holding 100,000 entries (the sizes of
// the 'big' map in bench.bpf.c), with libbpf:
//  - bpf_map_lookup_elem / bpf_map_update_elem in a loop: per operation, the median and the min..max over the
//    rounds of ns per call and calls per second;
//  - dumping the whole map per key (bpf_map_get_next_key + bpf_map_lookup_elem per key) and with
//    bpf_map_lookup_batch (BPF_MAP_LOOKUP_BATCH) at several batch sizes: ms per dump (the kernel's floor for
//    MapDumpBenchmark; the C side only reads the arrays back into a sum).
//   map_ops [rounds] [calls-per-round] [dump-rounds]
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

// CPU time of the process (user + system): unlike the wall clock it does not count time the machine's other
// tenants had the CPU, so it is the figure to compare on a shared machine (JMH's counterpart: -prof perfnorm's
// task-clock per op).
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *x, int n)
{
	qsort(x, n, sizeof(*x), cmp);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

static void report(const char *what, double *ns, double *cpu, int rounds)
{
	double med = median(ns, rounds);
	printf("%-8s median %.1f ns/op (%.2f M ops/s), min %.1f, max %.1f ns/op over %d rounds; cpu median %.1f ns/op\n",
	       what, med, 1e3 / med, ns[0], ns[rounds - 1], rounds, median(cpu, rounds));
}

static void report_ms(const char *what, double *ms, double *cpu, int rounds)
{
	double med = median(ms, rounds);
	printf("%-17s median %.2f ms per dump of %d entries (%.1f ns/entry), min %.2f, max %.2f ms over %d rounds; "
	       "cpu median %.2f ms\n", what, med, ENTRIES, med * 1e6 / ENTRIES, ms[0], ms[rounds - 1], rounds,
	       median(cpu, rounds));
}

// Per key: one BPF_MAP_GET_NEXT_KEY and one BPF_MAP_LOOKUP_ELEM per entry. Returns the entries seen or -1.
static long dump_per_key(int fd, uint64_t *sum)
{
	uint32_t key, next;
	uint64_t v;
	long n = 0;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &v)) {
			fprintf(stderr, "dump lookup: %s\n", strerror(errno));
			return -1;
		}
		*sum += v;
		n++;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? n : -1;
}

// BPF_MAP_LOOKUP_BATCH, `batch` entries per call, into caller-owned arrays; the end is ENOENT. Returns the
// entries seen or -1.
static long dump_batch(int fd, uint32_t batch, uint32_t *keys, uint64_t *values, uint64_t *sum)
{
	uint32_t in_batch, out_batch;
	long n = 0;
	void *in = NULL;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	for (;;) {
		uint32_t count = batch;
		int err = bpf_map_lookup_batch(fd, in, &out_batch, keys, values, &count, &opts);
		if (err && errno != ENOENT) {
			fprintf(stderr, "lookup_batch(%u): %s\n", batch, strerror(errno));
			return -1;
		}
		for (uint32_t i = 0; i < count; i++)
			*sum += keys[i] + values[i];
		n += count;
		if (err)
			return n;
		in_batch = out_batch;
		in = &in_batch;
	}
}

static uint64_t dumps(int fd, int rounds)
{
	static const uint32_t sizes[] = {64, 256, 1024, 4096, 16384, 131072};
	double ms[64], cpu[64];
	uint64_t sum = 0;
	uint32_t *keys = malloc(sizeof(*keys) * 131072);
	uint64_t *values = malloc(sizeof(*values) * 131072);
	if (!keys || !values)
		exit(1);
	for (int r = -1; r < rounds; r++) {
		uint64_t t0 = now_ns(), c0 = cpu_ns();
		long n = dump_per_key(fd, &sum);
		if (n != ENTRIES) {
			fprintf(stderr, "per-key dump saw %ld entries\n", n);
			exit(1);
		}
		if (r >= 0) {
			ms[r] = (now_ns() - t0) / 1e6;
			cpu[r] = (cpu_ns() - c0) / 1e6;
		}
	}
	report_ms("dump per-key", ms, cpu, rounds);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char what[32];
		for (int r = -1; r < rounds; r++) {
			uint64_t t0 = now_ns(), c0 = cpu_ns();
			long n = dump_batch(fd, sizes[s], keys, values, &sum);
			if (n != ENTRIES) {
				fprintf(stderr, "batch dump (%u) saw %ld entries\n", sizes[s], n);
				exit(1);
			}
			if (r >= 0) {
				ms[r] = (now_ns() - t0) / 1e6;
				cpu[r] = (cpu_ns() - c0) / 1e6;
			}
		}
		snprintf(what, sizeof(what), "dump batch %u", sizes[s]);
		report_ms(what, ms, cpu, rounds);
	}
	free(keys);
	free(values);
	return sum;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	long calls = argc > 2 ? atol(argv[2]) : 1000000;
	int dump_rounds = argc > 3 ? atoi(argv[3]) : rounds;
	double lookup[64], update[64], lookup_cpu[64], update_cpu[64];
	if (rounds < 1 || rounds > 64 || calls < 1 || dump_rounds < 1 || dump_rounds > 64) {
		fprintf(stderr, "usage: %s [rounds 1..64] [calls-per-round] [dump-rounds 1..64]\n", argv[0]);
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
		uint64_t t0 = now_ns(), c0 = cpu_ns();
		for (long i = 0; i < calls; i++) {
			uint32_t k = (uint32_t)(i % ENTRIES);
			uint64_t v;
			if (bpf_map_lookup_elem(fd, &k, &v)) {
				fprintf(stderr, "lookup: %s\n", strerror(errno));
				return 1;
			}
			sink += v;
		}
		uint64_t t1 = now_ns(), c1 = cpu_ns();
		for (long i = 0; i < calls; i++) {
			uint32_t k = (uint32_t)(i % ENTRIES);
			uint64_t v = i;
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
				fprintf(stderr, "update: %s\n", strerror(errno));
				return 1;
			}
		}
		uint64_t t2 = now_ns(), c2 = cpu_ns();
		if (r >= 0) {
			lookup[r] = (double)(t1 - t0) / calls;
			update[r] = (double)(t2 - t1) / calls;
			lookup_cpu[r] = (double)(c1 - c0) / calls;
			update_cpu[r] = (double)(c2 - c1) / calls;
		}
	}
	report("lookup", lookup, lookup_cpu, rounds);
	report("update", update, update_cpu, rounds);
	sink += dumps(fd, dump_rounds);
	close(fd);
	return sink == 42; // keeps the lookups
}
