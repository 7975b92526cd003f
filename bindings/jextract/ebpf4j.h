/*
 * The C declarations ebpf4j binds with jextract (see generate.sh next to this file).
 * Only what includes.txt names is generated; everything else here is context for clang.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <fcntl.h>
#include <net/if.h>

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>
