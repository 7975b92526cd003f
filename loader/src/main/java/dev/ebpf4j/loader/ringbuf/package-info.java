/** Reading BPF ring buffers from user space: mmap'ed pages, epoll wake-ups, zero-copy record views. */
package dev.ebpf4j.loader.ringbuf;
