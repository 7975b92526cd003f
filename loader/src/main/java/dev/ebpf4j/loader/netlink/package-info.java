/** rtnetlink: requests, replies with the kernel's extended acks, XDP attach by netlink and link listing. */
package dev.ebpf4j.loader.netlink;
