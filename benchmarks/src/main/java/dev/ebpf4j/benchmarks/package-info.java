/** JMH benchmarks for ebpf4j; see docs/benchmarks.md. */
package dev.ebpf4j.benchmarks;
