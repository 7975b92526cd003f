/**
 * The one place in ebpf4j that calls into the kernel: a small hand-written layer over the
 * jextract-generated UAPI layouts in {@link dev.ebpf4j.bindings.uapi}.
 *
 * <ul>
 *   <li>{@link dev.ebpf4j.bindings.Syscall}: {@code bpf(2)} and {@code perf_event_open(2)} through libc's
 *       variadic {@code syscall()}, and the libc calls ebpf4j needs (close, fcntl, ioctl, mmap, munmap,
 *       socket, bind, sendto, recvmsg, if_nametoindex), each capturing {@code errno} right after the call;</li>
 *   <li>{@link dev.ebpf4j.bindings.Bpf}: thin typed helpers for the {@code bpf(2)} commands;</li>
 *   <li>{@link dev.ebpf4j.bindings.Fd}: an owned file descriptor that is never 0, 1 or 2;</li>
 *   <li>{@link dev.ebpf4j.bindings.SyscallException} / {@link dev.ebpf4j.bindings.BpfException} with
 *       {@link dev.ebpf4j.bindings.Errno}: failures named by call and errno.</li>
 * </ul>
 *
 * <p>Callers need {@code --enable-native-access=ALL-UNNAMED} (or the module's name) to avoid the JDK's
 * restricted-method warnings.
 */
package dev.ebpf4j.bindings;
