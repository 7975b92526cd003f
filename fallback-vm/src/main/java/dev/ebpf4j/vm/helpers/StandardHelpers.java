package dev.ebpf4j.vm.helpers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.HelperFunctions;
import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.PerfEventArrayMap;
import dev.ebpf4j.vm.maps.ProgArrayMap;
import dev.ebpf4j.vm.maps.RingBufMap;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;

/**
 * The helpers the fallback VM implements, with the kernel's ids and semantics: maps, time, random,
 * CPU id, {@code trace_printk}, tail calls, current task ids and comm, {@code probe_read*} (from VM
 * memory only), packet helpers for XDP and skbs, perf event and ring buffer output, {@code bpf_loop}
 * and spin locks.
 */
public final class StandardHelpers {
    private StandardHelpers() {}

    private static final long MAX_LOOPS = 1L << 23;
    private static final VarHandle LOCK = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final long SPIN_LIMIT = 100_000_000L;

    static HelperTable table() {
        HelperTable t = HelperTable.empty();
        t = t.with("bpf_map_lookup_elem", (c, map, key, a3, a4, a5) -> c.map(map).lookupFromProgram(c.memory(), c.cpu(), key));
        t = t.with("bpf_map_update_elem",
                (c, map, key, value, flags, a5) -> c.map(map).updateFromProgram(c.memory(), c.cpu(), key, value, flags));
        t = t.with("bpf_map_delete_elem", (c, map, key, a3, a4, a5) -> c.map(map).deleteFromProgram(c.memory(), c.cpu(), key));
        Helper probeRead = (c, dst, size, src, a4, a5) -> probeRead(c.memory(), dst, size, src);
        t = t.with("bpf_probe_read", probeRead);
        t = t.with("bpf_probe_read_kernel", probeRead);
        t = t.with("bpf_probe_read_user", probeRead);
        Helper probeReadStr = (c, dst, size, src, a4, a5) -> probeReadStr(c.memory(), dst, size, src);
        t = t.with("bpf_probe_read_str", probeReadStr);
        t = t.with("bpf_probe_read_kernel_str", probeReadStr);
        t = t.with("bpf_probe_read_user_str", probeReadStr);
        t = t.with("bpf_ktime_get_ns", (c, a1, a2, a3, a4, a5) -> c.vm().options().clock().getAsLong());
        t = t.with("bpf_ktime_get_boot_ns", (c, a1, a2, a3, a4, a5) -> c.vm().options().bootClock().getAsLong());
        t = t.with("bpf_ktime_get_coarse_ns", (c, a1, a2, a3, a4, a5) -> c.vm().options().clock().getAsLong());
        t = t.with("bpf_jiffies64", (c, a1, a2, a3, a4, a5) -> c.vm().options().clock().getAsLong() / 4_000_000L);
        t = t.with("bpf_trace_printk", StandardHelpers::tracePrintk);
        t = t.with("bpf_get_prandom_u32", (c, a1, a2, a3, a4, a5) -> c.vm().nextRandom() & 0xffff_ffffL);
        t = t.with("bpf_get_smp_processor_id", (c, a1, a2, a3, a4, a5) -> c.cpu());
        t = t.with("bpf_get_numa_node_id", (c, a1, a2, a3, a4, a5) -> 0);
        t = t.with("bpf_tail_call", StandardHelpers::tailCall);
        t = t.with("bpf_get_current_pid_tgid",
                (c, a1, a2, a3, a4, a5) -> ((long) c.vm().options().tgid() << 32) | (c.vm().options().pid() & 0xffff_ffffL));
        t = t.with("bpf_get_current_uid_gid",
                (c, a1, a2, a3, a4, a5) -> ((long) c.vm().options().gid() << 32) | (c.vm().options().uid() & 0xffff_ffffL));
        t = t.with("bpf_get_current_comm", StandardHelpers::currentComm);
        // the task the caller supplied (VmOptions.withCurrentTask), else a zeroed one: readable, never writable
        t = t.with("bpf_get_current_task", (c, a1, a2, a3, a4, a5) -> c.vm().currentTaskAddress());
        t = t.with("bpf_get_current_task_btf", (c, a1, a2, a3, a4, a5) -> c.vm().currentTaskAddress());
        t = t.with("bpf_redirect", (c, ifindex, flags, a3, a4, a5) -> redirectAction(c));
        t = t.with("bpf_perf_event_output", StandardHelpers::perfEventOutput);
        t = t.with("bpf_skb_load_bytes", StandardHelpers::skbLoadBytes);
        t = t.with("bpf_xdp_adjust_head", (c, ctx, delta, a3, a4, a5) -> xdp(c).adjustHead((int) delta));
        t = t.with("bpf_xdp_adjust_meta", (c, ctx, delta, a3, a4, a5) -> xdp(c).adjustMeta((int) delta));
        t = t.with("bpf_xdp_adjust_tail", (c, ctx, delta, a3, a4, a5) -> xdp(c).adjustTail((int) delta));
        t = t.with("bpf_ringbuf_output", StandardHelpers::ringbufOutput);
        t = t.with("bpf_ringbuf_reserve", StandardHelpers::ringbufReserve);
        t = t.with("bpf_ringbuf_submit", (c, data, flags, a3, a4, a5) -> ringbufRelease(c, data, true));
        t = t.with("bpf_ringbuf_discard", (c, data, flags, a3, a4, a5) -> ringbufRelease(c, data, false));
        t = t.with("bpf_ringbuf_query", (c, map, flags, a3, a4, a5) -> ring(c, map).query(flags));
        t = t.with("bpf_loop", StandardHelpers::loop);
        t = t.with("bpf_spin_lock", StandardHelpers::spinLock);
        t = t.with("bpf_spin_unlock", StandardHelpers::spinUnlock);
        return t;
    }

    /** The id of a helper by name, for tests and tables. */
    public static int id(String name) {
        return HelperFunctions.id(name).orElseThrow();
    }

    static long probeRead(AddressSpace mem, long dst, long size, long src) {
        if (size < 0 || size > Integer.MAX_VALUE) {
            return -Errno.EINVAL;
        }
        MemorySegment out = mem.slice(dst, size, true);
        try {
            MemorySegment in = mem.slice(src, size, false);
            MemorySegment.copy(in, 0, out, 0, size);
            return 0;
        } catch (BpfRuntimeException e) {
            out.fill((byte) 0);
            return -Errno.EFAULT;
        }
    }

    static long probeReadStr(AddressSpace mem, long dst, long size, long src) {
        if (size <= 0 || size > Integer.MAX_VALUE) {
            return size == 0 ? 0 : -Errno.EINVAL;
        }
        MemorySegment out = mem.slice(dst, size, true);
        byte[] s = mem.readCString(src, (int) size - 1);
        if (s == null) {
            out.fill((byte) 0);
            return -Errno.EFAULT;
        }
        MemorySegment.copy(s, 0, out, ValueLayout.JAVA_BYTE, 0, s.length);
        out.set(ValueLayout.JAVA_BYTE, s.length, (byte) 0);
        return s.length + 1;
    }

    private static long tracePrintk(HelperContext c, long fmt, long fmtSize, long a1, long a2, long a3) {
        if (fmtSize <= 0 || fmtSize > 1024) {
            return -Errno.EINVAL;
        }
        byte[] raw = c.memory().read(fmt, (int) fmtSize);
        int nul = -1;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            return -Errno.EINVAL;
        }
        String msg = PrintkFormat.format(Arrays.copyOf(raw, nul), new long[] {a1, a2, a3}, c.memory());
        if (msg == null) {
            return -Errno.EINVAL;
        }
        int written = msg.getBytes(StandardCharsets.ISO_8859_1).length;
        String message = msg.endsWith("\n") ? msg.substring(0, msg.length() - 1) : msg;
        BpfVm vm = c.vm();
        vm.traceLog().write(new TraceEvent(vm.options().clock().getAsLong(), c.cpu(), vm.options().pid(),
                vm.options().comm(), c.program() == null ? null : c.program().name(), message));
        return written;
    }

    private static long tailCall(HelperContext c, long ctx, long map, long index, long a4, long a5) {
        BpfMap m = c.map(map);
        if (!(m instanceof ProgArrayMap pa)) {
            throw new BpfRuntimeException("bpf_tail_call needs a prog array, not " + m);
        }
        VmProgram target = pa.get(index & 0xffff_ffffL);
        if (target == null) {
            return -Errno.ENOENT;
        }
        return c.tailCall(target) ? 0 : -Errno.ENOENT;
    }

    private static long currentComm(HelperContext c, long buf, long size, long a3, long a4, long a5) {
        if (size <= 0) {
            return -Errno.EINVAL;
        }
        MemorySegment out = c.memory().slice(buf, size, true);
        out.fill((byte) 0);
        byte[] comm = c.vm().options().comm().getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(Math.min(comm.length, 15), size - 1);
        MemorySegment.copy(comm, 0, out, ValueLayout.JAVA_BYTE, 0, n);
        return 0;
    }

    private static long redirectAction(HelperContext c) {
        ProgramType t = c.program() == null ? null : c.program().type();
        return t == ProgramType.XDP ? 4 /* XDP_REDIRECT */ : 7 /* TC_ACT_REDIRECT */;
    }

    private static long perfEventOutput(HelperContext c, long ctx, long map, long flags, long data, long size) {
        BpfMap m = c.map(map);
        if (!(m instanceof PerfEventArrayMap pe)) {
            throw new BpfRuntimeException("bpf_perf_event_output needs a perf event array, not " + m);
        }
        if ((flags & ~0xffff_ffffL) != 0 || size < 0 || size > 0xffff) {
            return -Errno.EINVAL;
        }
        return pe.output(flags & 0xffff_ffffL, c.cpu(), c.memory().read(data, (int) size));
    }

    private static long skbLoadBytes(HelperContext c, long skb, long offset, long to, long len, long a5) {
        ContextInstance ctx = c.context();
        Region p = ctx == null ? null : ctx.packet();
        MemorySegment out = c.memory().slice(to, len, true);
        if (p == null) {
            throw new BpfRuntimeException("bpf_skb_load_bytes needs a context with a packet");
        }
        long start = ctx.dataOffset();
        long avail = ctx.dataEndOffset() - start;
        if (offset < 0 || len <= 0 || offset > 0xffff || offset + len > avail) {
            out.fill((byte) 0);
            return -Errno.EFAULT;
        }
        MemorySegment.copy(p.segment(), start + offset, out, 0, len);
        return 0;
    }

    private static XdpContext.Instance xdp(HelperContext c) {
        if (c.context() instanceof XdpContext.Instance x) {
            return x;
        }
        throw new BpfRuntimeException("this helper needs an XDP context");
    }

    private static RingBufMap ring(HelperContext c, long map) {
        BpfMap m = c.map(map);
        if (m instanceof RingBufMap r) {
            return r;
        }
        throw new BpfRuntimeException("this helper needs a ring buffer, not " + m);
    }

    private static long ringbufOutput(HelperContext c, long map, long data, long size, long flags, long a5) {
        RingBufMap r = ring(c, map);
        if (size < 0 || size > Integer.MAX_VALUE) {
            return -Errno.EINVAL;
        }
        return r.output(c.memory().read(data, (int) size)) ? 0 : -Errno.EAGAIN;
    }

    private static long ringbufReserve(HelperContext c, long map, long size, long flags, long a4, long a5) {
        RingBufMap r = ring(c, map);
        if (flags != 0) {
            return 0;
        }
        RingBufMap.Reservation res = r.reserve(size);
        if (res == null) {
            return 0;
        }
        c.track(res);
        return c.memory().map(Region.Kind.RINGBUF_RECORD, r.name() + " record", res.data(), true, true, res, null).base();
    }

    private static long ringbufRelease(HelperContext c, long data, boolean submit) {
        Region region = c.memory().region(data);
        if (region == null || region.kind() != Region.Kind.RINGBUF_RECORD || AddressSpace.offset(data) != 0
                || !(region.owner() instanceof RingBufMap.Reservation res)) {
            throw new BpfRuntimeException(String.format("0x%x is not a ring buffer record from bpf_ringbuf_reserve", data));
        }
        if (res.done()) {
            throw new BpfRuntimeException("ring buffer record at 0x" + Long.toHexString(data) + " was already submitted or discarded");
        }
        if (submit) {
            res.submit();
        } else {
            res.discard();
        }
        return 0;
    }

    private static long loop(HelperContext c, long nr, long fn, long ctx, long flags, long a5) {
        if (flags != 0) {
            return -Errno.EINVAL;
        }
        long n = nr & 0xffff_ffffL;
        if (n > MAX_LOOPS) {
            return -Errno.E2BIG;
        }
        long i;
        for (i = 0; i < n; i++) {
            long rc = c.callFunction(fn, i, ctx, 0, 0, 0);
            if (rc != 0) {
                return i + 1;
            }
        }
        return i;
    }

    private static long spinLock(HelperContext c, long lock, long a2, long a3, long a4, long a5) {
        MemorySegment s = lockWord(c, lock);
        for (long spins = 0; !LOCK.compareAndSet(s, 0L, 0, 1); spins++) {
            if (spins > SPIN_LIMIT) {
                throw new BpfRuntimeException("bpf_spin_lock at 0x" + Long.toHexString(lock)
                        + " did not become free (taken twice by the same program?)");
            }
            Thread.onSpinWait();
        }
        return 0;
    }

    private static long spinUnlock(HelperContext c, long lock, long a2, long a3, long a4, long a5) {
        MemorySegment s = lockWord(c, lock);
        if (!LOCK.compareAndSet(s, 0L, 1, 0)) {
            throw new BpfRuntimeException("bpf_spin_unlock of a lock that is not held at 0x" + Long.toHexString(lock));
        }
        return 0;
    }

    private static MemorySegment lockWord(HelperContext c, long lock) {
        Region r = c.memory().check(lock, 4, true);
        if (r.kind() != Region.Kind.MAP_VALUE) {
            throw new BpfRuntimeException("bpf_spin_lock needs a lock inside a map value, not in the " + r);
        }
        if ((lock & 3) != 0) {
            throw new BpfRuntimeException("misaligned bpf_spin_lock at 0x" + Long.toHexString(lock));
        }
        return c.memory().slice(lock, 4, true);
    }
}
