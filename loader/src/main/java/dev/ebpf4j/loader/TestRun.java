package dev.ebpf4j.loader;

/**
 * Input and output of one {@link BpfProgram#testRun} ({@code BPF_PROG_TEST_RUN} on the kernel, the VM in fallback).
 */
public final class TestRun {
    private TestRun() {}

    /**
     * @param data        packet data in (XDP, tc, socket filter), or empty
     * @param context     context in ({@code struct xdp_md}, {@code struct __sk_buff}, raw tracepoint args), or null
     * @param repeat      how many times to run (at least 1); the duration is the average
     * @param dataOutSize room for the data out (0: as large as {@code data} plus headroom the kernel allows)
     */
    public record Input(byte[] data, byte[] context, int repeat, int dataOutSize) {
        public Input {
            data = data == null ? new byte[0] : data.clone();
            context = context == null ? null : context.clone();
            if (repeat < 1) {
                throw new IllegalArgumentException("repeat must be at least 1, is " + repeat);
            }
            if (dataOutSize < 0) {
                throw new IllegalArgumentException("dataOutSize must not be negative");
            }
        }

        /** One run on {@code data}. */
        public static Input of(byte[] data) {
            return new Input(data, null, 1, 0);
        }

        public Input withRepeat(int n) {
            return new Input(data, context, n, dataOutSize);
        }

        public Input withContext(byte[] ctx) {
            return new Input(data, ctx, repeat, dataOutSize);
        }
    }

    /**
     * @param retval        the program's return value (r0; the kernel reports its low 32 bits)
     * @param dataOut       the packet after the run
     * @param contextOut    the context after the run, or null
     * @param durationNanos average time per run
     */
    public record Result(long retval, byte[] dataOut, byte[] contextOut, long durationNanos) {
    }
}
