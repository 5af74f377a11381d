// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: counters.
 *
 * Global counters are in sysfs, one value per file, under
 * /sys/class/misc/netapibuf/stats/; the sessions, with their owners and
 * figures, are listed in /sys/kernel/debug/netapibuf/sessions.
 *
 * Buffers the library hands out of delegated chunks (chunks.c) are never
 * seen here one by one: the library adds them up in the session's counter
 * page, which is read when the figures are shown. The process can write
 * anything there, so each session's sums are bounded by what its
 * delegated chunks can hold, and go no further than the figures shown.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>

#include "netapibuf_internal.h"

struct nab_stats nab_stats;

/* All sessions, for the debugfs listing. */
static LIST_HEAD(nab_sessions);
static DEFINE_MUTEX(nab_sessions_lock);
static struct dentry *nab_debugfs_dir;

/**
 * nab_count_delegated() - what a session holds in delegated chunks
 * @s: the session, locked
 * @buffers: where to store the buffers, as its counter page says
 * @bytes: where to store their bytes
 *
 * The slots are added modulo 2^64 (a buffer freed by another thread than
 * the one that allocated it leaves one slot negative); a sum below zero
 * counts as zero, and above what the delegated chunks can hold (a buffer
 * per NAB_MIN_SIZE bytes, NAB_SMALL_MAX bytes a buffer, a page of bytes
 * a chunk) as that.
 */
void nab_count_delegated(struct nab_session *s, u64 *buffers, u64 *bytes)
{
	const struct netapibuf_counters *c;
	u64 nb = 0, nbytes = 0, max;
	unsigned int i;

	lockdep_assert_held(&s->lock);
	*buffers = 0;
	*bytes = 0;
	if (!s->counters)
		return;

	c = page_address(s->counters->page);
	for (i = 0; i < NETAPIBUF_COUNTER_SLOTS; i++) {
		nb += (u64)READ_ONCE(c->slot[i].buffers);
		nbytes += (u64)READ_ONCE(c->slot[i].bytes);
	}
	max = (u64)s->nr_delegated * (PAGE_SIZE / NAB_MIN_SIZE);
	*buffers = (s64)nb < 0 ? 0 : min(nb, max);
	max = min_t(u64, (u64)s->nr_delegated * PAGE_SIZE,
		    *buffers * NAB_SMALL_MAX);
	*bytes = (s64)nbytes < 0 ? 0 : min(nbytes, max);
}

/*
 * The buffers and bytes of every session's delegated chunks, with the
 * peaks brought up to date with them.
 */
static void nab_delegated_total(u64 *buffers, u64 *bytes)
{
	struct nab_session *s;
	u64 nb, nbytes;

	*buffers = 0;
	*bytes = 0;
	mutex_lock(&nab_sessions_lock);
	list_for_each_entry(s, &nab_sessions, node) {
		mutex_lock(&s->lock);
		nab_count_delegated(s, &nb, &nbytes);
		mutex_unlock(&s->lock);
		*buffers += nb;
		*bytes += nbytes;
	}
	mutex_unlock(&nab_sessions_lock);
	nab_peak(&nab_stats.peak_buffers,
		 atomic64_read(&nab_stats.live_buffers) + *buffers);
	nab_peak(&nab_stats.peak_bytes,
		 atomic64_read(&nab_stats.live_bytes) + *bytes);
}

void nab_sessions_add(struct nab_session *s)
{
	atomic64_inc(&nab_stats.sessions);
	mutex_lock(&nab_sessions_lock);
	list_add_tail(&s->node, &nab_sessions);
	mutex_unlock(&nab_sessions_lock);
}

void nab_sessions_del(struct nab_session *s)
{
	mutex_lock(&nab_sessions_lock);
	list_del(&s->node);
	mutex_unlock(&nab_sessions_lock);
	atomic64_dec(&nab_stats.sessions);
}

/**
 * nab_sessions_trylock_each() - call @fn on each session that is not busy
 * @fn: called with the session locked; returns what it freed
 * @want: stop once this much is freed
 *
 * Takes no lock it would wait for (the shrinker calls it from reclaim,
 * inside whatever allocation, under whatever lock): a session whose lock
 * is held is skipped, and nothing is done while the list's lock is held.
 *
 * Return: the sum of what @fn freed.
 */
unsigned long nab_sessions_trylock_each(unsigned long (*fn)(struct nab_session *s),
					unsigned long want)
{
	struct nab_session *s;
	unsigned long freed = 0;

	if (!mutex_trylock(&nab_sessions_lock))
		return 0;
	list_for_each_entry(s, &nab_sessions, node) {
		if (!mutex_trylock(&s->lock))
			continue;
		freed += fn(s);
		mutex_unlock(&s->lock);
		if (freed >= want)
			break;
	}
	mutex_unlock(&nab_sessions_lock);
	return freed;
}

/**
 * struct nab_stat_attr - a counter file
 * @attr: the file
 * @value: the kernel's count
 * @delegated: the figure includes delegated chunks' buffers (1) or bytes
 *	(2): live ones are added, peaks brought up to date first
 */
struct nab_stat_attr {
	struct device_attribute attr;
	atomic64_t *value;
	int delegated;
};

static ssize_t nab_stat_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct nab_stat_attr *sa = container_of(attr, struct nab_stat_attr,
						attr);
	u64 buffers, bytes, more = 0;

	/* Read first, so that a peak shown next is at least the live figure. */
	if (sa->delegated) {
		nab_delegated_total(&buffers, &bytes);
		if (sa->value == &nab_stats.live_buffers)
			more = buffers;
		else if (sa->value == &nab_stats.live_bytes)
			more = bytes;
	}
	return sysfs_emit(buf, "%lld\n",
			  (long long)(atomic64_read(sa->value) + more));
}

#define NAB_STAT_ATTR(_name, _delegated)				\
static struct nab_stat_attr nab_stat_##_name = {			\
	.attr = {							\
		.attr = { .name = #_name, .mode = 0444 },		\
		.show = nab_stat_show,					\
	},								\
	.value = &nab_stats._name,					\
	.delegated = _delegated,					\
}

NAB_STAT_ATTR(sessions, 0);
NAB_STAT_ATTR(live_buffers, 1);
NAB_STAT_ATTR(live_bytes, 2);
NAB_STAT_ATTR(peak_buffers, 1);
NAB_STAT_ATTR(peak_bytes, 2);
NAB_STAT_ATTR(alloc_failures, 0);
NAB_STAT_ATTR(pages, 0);
NAB_STAT_ATTR(charged_bytes, 0);
NAB_STAT_ATTR(pool_pages, 0);
NAB_STAT_ATTR(kept_pages, 0);

static struct attribute *nab_stats_attrs[] = {
	&nab_stat_sessions.attr.attr,
	&nab_stat_live_buffers.attr.attr,
	&nab_stat_live_bytes.attr.attr,
	&nab_stat_peak_buffers.attr.attr,
	&nab_stat_peak_bytes.attr.attr,
	&nab_stat_alloc_failures.attr.attr,
	&nab_stat_pages.attr.attr,
	&nab_stat_charged_bytes.attr.attr,
	&nab_stat_pool_pages.attr.attr,
	&nab_stat_kept_pages.attr.attr,
	NULL
};

const struct attribute_group nab_stats_group = {
	.name = "stats",
	.attrs = nab_stats_attrs,
};

static int nab_sessions_show(struct seq_file *m, void *unused)
{
	struct nab_session *s;
	u64 buffers, bytes;

	seq_puts(m, "pid\tcomm\tbuffers\tbytes\tpeak_bytes\tpages\n");
	mutex_lock(&nab_sessions_lock);
	list_for_each_entry(s, &nab_sessions, node) {
		mutex_lock(&s->lock);
		nab_count_delegated(s, &buffers, &bytes);
		buffers += s->nr_buffers;
		bytes += s->bytes;
		s->peak_bytes = max(s->peak_bytes, bytes);
		seq_printf(m, "%d\t", s->pid);
		/*
		 * A process picks its own name: escape every byte that could
		 * end a field or a row, or fool a terminal (\ooo), so no name
		 * can forge another session's row.
		 */
		seq_escape_str(m, s->comm, ESCAPE_OCTAL | ESCAPE_NAP |
			       ESCAPE_APPEND, "\\");
		seq_printf(m, "\t%llu\t%llu\t%llu\t%llu\n", buffers, bytes,
			   s->peak_bytes, s->pages);
		mutex_unlock(&s->lock);
	}
	mutex_unlock(&nab_sessions_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nab_sessions);

void nab_debugfs_init(void)
{
	nab_debugfs_dir = debugfs_create_dir("netapibuf", NULL);
	debugfs_create_file("sessions", 0400, nab_debugfs_dir, NULL,
			    &nab_sessions_fops);
}

void nab_debugfs_exit(void)
{
	debugfs_remove_recursive(nab_debugfs_dir);
}
