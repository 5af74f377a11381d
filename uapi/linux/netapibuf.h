/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * netapibuf: NetApiBuffer-style buffers managed by the kernel.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef _UAPI_LINUX_NETAPIBUF_H
#define _UAPI_LINUX_NETAPIBUF_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: netapibuf ABI
 *
 * Opening ``/dev/netapibuf`` creates a *session*. A session owns every buffer
 * allocated through it and frees them all when the last reference to the
 * open file goes away (close(2) of every descriptor and munmap(2) of the
 * arena, or process exit).
 *
 * **The arena.** Buffers live in one shared mapping per session, the arena.
 * The process maps it once, right after open, with
 * ``mmap(NULL, info.arena_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)``,
 * where ``info`` comes from %NETAPIBUF_IOC_INFO. A process whose address
 * space cannot take that much (RLIMIT_AS, valgrind) may map a shorter
 * arena, of any whole number of pages from %NETAPIBUF_ARENA_MIN_SIZE up
 * (%NETAPIBUF_FEATURE_SHORT_ARENA): the session's arena is then that long,
 * and INFO reports that length from then on. Every buffer address the
 * kernel returns lies inside the arena, so one mapping serves any number of
 * buffers and each of the four operations is a single ioctl(2). A second
 * mmap of the same session fails with EBUSY. The arena is mapped and
 * unmapped only as a whole: mremap(2) of it, and munmap(2) or mprotect(2)
 * of part of it, fail with EINVAL. mlock(2) of it, or of part of it,
 * changes nothing (the kernel skips such mappings; buffers are never
 * swapped anyway) and leaves the arena whole.
 *
 * **Memory.** Buffers are backed by whole pages from the page allocator,
 * never slab memory, charged to the memory cgroup of the allocating task.
 * Buffers smaller than half a page share a page only with buffers of the
 * same session. Every byte is zero when userspace first sees it. When a
 * buffer of one page or more is freed its pages are unmapped, so touching
 * them raises SIGBUS; a page stays allocated while any mapping of it
 * exists.
 *
 * **Pinning.** Nothing outside the module can take a reference to a
 * buffer's pages: the arena is mapped with PFN entries that
 * get_user_pages() refuses, so every system call that pins user memory
 * instead of copying it fails on a buffer - vmsplice(2) (EFAULT, or the
 * bytes before the buffer when earlier iovecs were ordinary memory),
 * O_DIRECT read(2) and write(2) (EFAULT), io_uring buffer registration
 * (EFAULT), process_vm_readv(2) and process_vm_writev(2) (EFAULT) - and
 * moves no byte. Copying calls (read(2), write(2), send(2), recv(2)
 * without zero-copy flags) work. So a freed buffer's pages are free, and
 * no pipe, device or other process can show its bytes after
 * NETAPIBUF_IOC_FREE. A debugger's accesses (ptrace(2) PEEKDATA and
 * POKEDATA, /proc/PID/mem) copy through the module without a reference:
 * they read and write a live buffer, and get EIO at a freed one that
 * the process itself would get SIGBUS from.
 *
 * **fork(2).** The arena is not inherited (it is mapped with VM_DONTCOPY):
 * in the child the parent's buffer addresses are unmapped and touching one
 * raises SIGSEGV. The inherited descriptor refuses every ioctl with EPERM;
 * the child opens its own session.
 *
 * **Structs.** Each command's struct is passed by pointer; its size is
 * the size field of the command number. The kernel accepts any size from
 * the first version of the struct upwards:
 *
 * - a size smaller than the first version: EINVAL;
 * - a larger size whose bytes past the kernel's struct are not all zero:
 *   E2BIG (a newer program asked for something this kernel cannot do);
 * - output is written back up to the smaller of the two sizes.
 *
 * Every ``flags`` bit that is not defined and every ``reserved`` field must
 * be zero, otherwise EINVAL.
 *
 * **Errors.**
 *
 * - ENOTTY: unknown command, or a known number with the wrong direction.
 * - EINVAL: bad flags, non-zero reserved field, short struct, an address
 *   that is not the start of a live buffer of this session (or one whose
 *   NETAPIBUF_IOC_ALLOC or NETAPIBUF_IOC_AGENT_CALL has yet to return), or
 *   a NETAPIBUF_IOC_ALLOC, _REALLOC, _CHUNKS_GET or _CHUNKS_PUT struct
 *   that overlaps the session's arena: these commands write, move, place
 *   and unmap arena memory, so a struct there could lie where the result
 *   cannot go or where a buffer must read as zero. Other commands may
 *   take theirs from a buffer.
 * - E2BIG: non-zero bytes past the end of the kernel's struct.
 * - EFAULT: the struct pointer is not readable or writable.
 * - EPERM: the session belongs to another process (after fork(2) or
 *   descriptor passing).
 * - ENXIO: the session's arena is not mapped yet.
 * - ENOMEM: out of memory, or the memory cgroup's limit was reached.
 * - EDQUOT: a netapibuf limit (largest buffer, memory per session, memory
 *   in all) would be exceeded. See /sys/module/netapibuf/parameters/.
 * - ENOSPC: no room left in the arena's address range.
 *
 * When more than one error applies, the command returns one of them.
 * A failed command changes nothing: no buffer is created, freed or resized.
 * The one exception is a struct that another thread of the process unmaps
 * or write-protects while the command runs: a NETAPIBUF_IOC_REALLOC that
 * worked then fails with EFAULT after its change (an ALLOC or AGENT_CALL is
 * undone: its new buffer is freed; a CHUNKS_GET too: its chunks go back).
 *
 * **Delegated chunks** (%NETAPIBUF_FEATURE_CHUNKS). A library may allocate
 * small buffers without a system call: %NETAPIBUF_IOC_CHUNKS_GET hands the
 * session whole pages of its arena ("delegated chunks") to cut into
 * buffers itself, and %NETAPIBUF_IOC_CHUNKS_PUT gives them back. The
 * kernel keeps no slot state for them: what the process writes into a
 * delegated chunk is its own business, and the kernel never reads it. A
 * delegated chunk is charged as one whole page (%PAGE_SIZE bytes) against
 * max_session_bytes and max_total_bytes, and to the memory cgroup; it is
 * not a buffer, so NETAPIBUF_IOC_FREE, _SIZE and _REALLOC refuse its
 * address (EINVAL). Its pages are zero when first handed out. PUT accepts
 * only addresses that GET handed to this session and that are still
 * delegated; anything else is EINVAL and nothing is given back.
 *
 * GET also returns the address of the session's *counter page*, struct
 * netapibuf_counters, in the arena: the library adds the buffers it
 * hands out of delegated chunks, and their bytes, to one slot of it (any
 * slot; a thread keeps to one). The kernel adds the slots up only to
 * report them (live_buffers, live_bytes and the session list) and bounds
 * the sums by what the delegated chunks can hold: whatever the process
 * writes there changes nothing but its own figures.
 */

/* ABI version reported by NETAPIBUF_IOC_INFO; bumped on incompatible change. */
#define NETAPIBUF_ABI_VERSION		1

/* Feature bits reported in netapibuf_info.features. */
#define NETAPIBUF_FEATURE_ARENA		_BITULL(0)	/* buffers in one mapping */
#define NETAPIBUF_FEATURE_REALLOC_MOVE	_BITULL(1)	/* realloc moves pages, no copy */
#define NETAPIBUF_FEATURE_AGENTS	_BITULL(2)	/* NETAPIBUF_IOC_AGENT_CALL */
#define NETAPIBUF_FEATURE_CHUNKS	_BITULL(3)	/* NETAPIBUF_IOC_CHUNKS_GET/PUT */
#define NETAPIBUF_FEATURE_SHORT_ARENA	_BITULL(4)	/* arena may be mapped shorter */

/*
 * The shortest arena a session may map (%NETAPIBUF_FEATURE_SHORT_ARENA):
 * any whole number of pages from this up to info.arena_size.
 */
#define NETAPIBUF_ARENA_MIN_SIZE	(64ULL << 20)

/*
 * Every buffer address the kernel returns (a buffer's start, an agent's
 * result) is a multiple of this, as malloc(3)'s are on 64-bit Linux.
 */
#define NETAPIBUF_ALIGN			16

/* Longest agent name, with its terminating NUL. */
#define NETAPIBUF_AGENT_NAME_MAX	32

/**
 * struct netapibuf_info - NETAPIBUF_IOC_INFO: ABI version, features, limits
 * @abi_version: out: %NETAPIBUF_ABI_VERSION of the running module
 * @flags: in: must be zero
 * @features: out: NETAPIBUF_FEATURE_* bits
 * @arena_size: out: length to pass to mmap(2) for the session's arena
 *	(the longest it may be), or its length once it is mapped
 * @arena_addr: out: address of the arena, or 0 while it is not mapped
 * @max_buffer_bytes: out: largest buffer the module hands out
 * @max_session_bytes: out: limit on the bytes of memory one session's
 *	buffers hold (a slot, or whole pages and their array, each), 0 for none
 * @max_total_bytes: out: the same limit for all sessions together
 */
struct netapibuf_info {
	__u32 abi_version;
	__u32 flags;
	__u64 features;
	__u64 arena_size;
	__u64 arena_addr;
	__u64 max_buffer_bytes;
	__u64 max_session_bytes;
	__u64 max_total_bytes;
};

/**
 * struct netapibuf_alloc - NETAPIBUF_IOC_ALLOC: allocate a zeroed buffer
 * @size: in: bytes, 0 included (a zero-size buffer still has an address)
 * @flags: in: must be zero
 * @reserved: must be zero
 * @addr: out: address of the buffer in the arena, %NETAPIBUF_ALIGN-byte
 *	aligned
 */
struct netapibuf_alloc {
	__u64 size;
	__u32 flags;
	__u32 reserved;
	__aligned_u64 addr;
};

/**
 * struct netapibuf_free - NETAPIBUF_IOC_FREE: free a buffer
 * @addr: in: the address NETAPIBUF_IOC_ALLOC or NETAPIBUF_IOC_REALLOC gave
 * @flags: in: must be zero
 * @reserved: must be zero
 */
struct netapibuf_free {
	__aligned_u64 addr;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct netapibuf_realloc - NETAPIBUF_IOC_REALLOC: resize a buffer
 * @addr: in: the buffer to resize, or 0 to allocate a new one
 * @size: in: the new size; 0 frees @addr and returns @new_addr 0
 * @flags: in: must be zero
 * @reserved: must be zero
 * @new_addr: out: the buffer's address after the call (it may move)
 *
 * The first min(old size, @size) bytes are kept and the rest read as zero.
 * Buffers of a page or more move by remapping their pages, not by copying.
 * On failure @addr stays valid with its contents.
 */
struct netapibuf_realloc {
	__aligned_u64 addr;
	__u64 size;
	__u32 flags;
	__u32 reserved;
	__aligned_u64 new_addr;
};

/**
 * struct netapibuf_size - NETAPIBUF_IOC_SIZE: size of a buffer
 * @addr: in: the buffer
 * @flags: in: must be zero
 * @reserved: must be zero
 * @size: out: the size it was allocated or reallocated with
 */
struct netapibuf_size {
	__aligned_u64 addr;
	__u32 flags;
	__u32 reserved;
	__u64 size;
};

/**
 * struct netapibuf_agent_call - NETAPIBUF_IOC_AGENT_CALL: ask a kernel agent
 * @name: in: the agent's name, NUL-terminated; registered agents are listed
 *	in /sys/class/misc/netapibuf/agents
 * @level: in: the information level, as in NetXxxGetInfo(level)
 * @flags: in: must be zero
 * @in: in: pointer to the agent's input, or 0
 * @in_len: in: bytes at @in, at most 65536
 * @status: out: the agent's NET_API_STATUS, e.g. 234 (ERROR_MORE_DATA) when
 *	an enumeration continues; the ioctl itself succeeded
 * @args: in/out: four values whose meaning the agent defines; the
 *	enumerations use prefmaxlen, resume handle, entries read, total entries
 * @buffer: out: address of the result buffer, now a buffer of this session
 *	to free with NETAPIBUF_IOC_FREE, or 0 when the agent returned none
 *
 * The agent runs in the caller's context (its namespaces and credentials)
 * and writes its result straight into pages that then join the session:
 * nothing is copied. An agent not registered yet is loaded on demand: for
 * a @name of 1 to 31 characters from [a-z0-9_-] the module asks modprobe
 * for "netapibuf-agent-@name" (an agent module declares that alias) and
 * looks again; any other name loads nothing. Errors: ENOENT (no such
 * agent, none could be loaded, or it is unloading),
 * EINVAL (bad level or input, as the agent decides), E2BIG (@in_len), and
 * the allocation errors.
 */
struct netapibuf_agent_call {
	char name[NETAPIBUF_AGENT_NAME_MAX];
	__u32 level;
	__u32 flags;
	__aligned_u64 in;
	__u32 in_len;
	__u32 status;
	__u64 args[4];
	__aligned_u64 buffer;
};

/* Most chunks one NETAPIBUF_IOC_CHUNKS_GET or _PUT hands over. */
#define NETAPIBUF_CHUNKS_MAX		32

/* Slots of the counter page, one 64-byte cache line each. */
#define NETAPIBUF_COUNTER_SLOTS		64

/**
 * struct netapibuf_counter - one slot of the counter page
 * @buffers: buffers handed out of delegated chunks through this slot,
 *	less those freed through it (a slot may go negative; the sum may not)
 * @bytes: their sizes, counted the same way
 * @reserved: unused; the kernel ignores it
 */
struct netapibuf_counter {
	__s64 buffers;
	__s64 bytes;
	__u64 reserved[6];
};

/**
 * struct netapibuf_counters - the counter page of a session
 * @slot: the slots, added up by the kernel (see the DOC block)
 */
struct netapibuf_counters {
	struct netapibuf_counter slot[NETAPIBUF_COUNTER_SLOTS];
};

/**
 * struct netapibuf_chunks - NETAPIBUF_IOC_CHUNKS_GET, _PUT: delegated chunks
 * @count: in: chunks to get, or addresses in @addrs to give back; 1 to
 *	%NETAPIBUF_CHUNKS_MAX
 * @flags: in: must be zero
 * @counters: out (GET): address of the session's struct netapibuf_counters
 *	in the arena; ignored by PUT
 * @addrs: out (GET): the chunks' addresses, page-aligned, @count of them;
 *	in (PUT): the chunks to give back, each one once
 *
 * GET charges @count whole pages, allocates them zeroed and places each in
 * the arena; either all of them or none (ENOMEM, EDQUOT, ENOSPC, ENXIO).
 * PUT unmaps the chunks and frees them; an address that is not a chunk of
 * this session delegated now, or one given twice, is EINVAL and nothing is
 * given back.
 */
struct netapibuf_chunks {
	__u32 count;
	__u32 flags;
	__aligned_u64 counters;
	__aligned_u64 addrs[NETAPIBUF_CHUNKS_MAX];
};

#define NETAPIBUF_IOCTL_TYPE	0xB8

/* Command numbers, the _IOC_NR() of each command. */
#define NETAPIBUF_CMD_INFO	0x00
#define NETAPIBUF_CMD_ALLOC	0x01
#define NETAPIBUF_CMD_FREE	0x02
#define NETAPIBUF_CMD_REALLOC	0x03
#define NETAPIBUF_CMD_SIZE	0x04
#define NETAPIBUF_CMD_AGENT_CALL	0x05
#define NETAPIBUF_CMD_CHUNKS_GET	0x06
#define NETAPIBUF_CMD_CHUNKS_PUT	0x07

#define NETAPIBUF_IOC_INFO	\
	_IOWR(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_INFO, struct netapibuf_info)
#define NETAPIBUF_IOC_ALLOC	\
	_IOWR(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_ALLOC, struct netapibuf_alloc)
#define NETAPIBUF_IOC_FREE	\
	_IOW(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_FREE, struct netapibuf_free)
#define NETAPIBUF_IOC_REALLOC	\
	_IOWR(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_REALLOC, struct netapibuf_realloc)
#define NETAPIBUF_IOC_SIZE	\
	_IOWR(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_SIZE, struct netapibuf_size)

#define NETAPIBUF_IOC_AGENT_CALL	\
	_IOWR(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_AGENT_CALL, struct netapibuf_agent_call)

#define NETAPIBUF_IOC_CHUNKS_GET	\
	_IOWR(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_CHUNKS_GET, struct netapibuf_chunks)
#define NETAPIBUF_IOC_CHUNKS_PUT	\
	_IOW(NETAPIBUF_IOCTL_TYPE, NETAPIBUF_CMD_CHUNKS_PUT, struct netapibuf_chunks)

#endif /* _UAPI_LINUX_NETAPIBUF_H */
