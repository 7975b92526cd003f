package dev.ebpf4j.vm;

import java.time.Duration;

/**
 * What a run gives back, like {@code BPF_PROG_TEST_RUN}.
 *
 * @param returnValue  r0 at exit, all 64 bits
 * @param packet       the packet {@code [data, data_end)} after the run, or null without a packet
 * @param context      the context after the run ({@code xdp_md}, {@code __sk_buff}, raw memory), or null
 * @param duration     mean wall time of one run
 * @param instructions instructions the last run executed
 * @param repeat       how many runs
 */
public record RunResult(long returnValue, byte[] packet, byte[] context, Duration duration, long instructions, int repeat) {

    /** The return value as the kernel's test run reports it (u32). */
    public int retval() {
        return (int) returnValue;
    }
}
