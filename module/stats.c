// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: counters.
 *
 * Global counters are in sysfs, one value per file, under
 * /sys/class/misc/netapibuf/stats/; the sessions, with their owners and
 * figures, are listed in /sys/kernel/debug/netapibuf/sessions.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>

#include "netapibuf_internal.h"

struct nab_stats nab_stats;

/* All sessions, for the debugfs listing. */
static LIST_HEAD(nab_sessions);
static DEFINE_MUTEX(nab_sessions_lock);
static struct dentry *nab_debugfs_dir;

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

struct nab_stat_attr {
	struct device_attribute attr;
	atomic64_t *value;
};

static ssize_t nab_stat_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct nab_stat_attr *sa = container_of(attr, struct nab_stat_attr,
						attr);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(sa->value));
}

#define NAB_STAT_ATTR(_name)						\
static struct nab_stat_attr nab_stat_##_name = {			\
	.attr = {							\
		.attr = { .name = #_name, .mode = 0444 },		\
		.show = nab_stat_show,					\
	},								\
	.value = &nab_stats._name,					\
}

NAB_STAT_ATTR(sessions);
NAB_STAT_ATTR(live_buffers);
NAB_STAT_ATTR(live_bytes);
NAB_STAT_ATTR(peak_buffers);
NAB_STAT_ATTR(peak_bytes);
NAB_STAT_ATTR(alloc_failures);
NAB_STAT_ATTR(pages);
NAB_STAT_ATTR(charged_bytes);

static struct attribute *nab_stats_attrs[] = {
	&nab_stat_sessions.attr.attr,
	&nab_stat_live_buffers.attr.attr,
	&nab_stat_live_bytes.attr.attr,
	&nab_stat_peak_buffers.attr.attr,
	&nab_stat_peak_bytes.attr.attr,
	&nab_stat_alloc_failures.attr.attr,
	&nab_stat_pages.attr.attr,
	&nab_stat_charged_bytes.attr.attr,
	NULL
};

const struct attribute_group nab_stats_group = {
	.name = "stats",
	.attrs = nab_stats_attrs,
};

static int nab_sessions_show(struct seq_file *m, void *unused)
{
	struct nab_session *s;

	seq_puts(m, "pid\tcomm\tbuffers\tbytes\tpeak_bytes\tpages\n");
	mutex_lock(&nab_sessions_lock);
	list_for_each_entry(s, &nab_sessions, node) {
		mutex_lock(&s->lock);
		seq_printf(m, "%d\t", s->pid);
		/*
		 * A process picks its own name: escape every byte that could
		 * end a field or a row, or fool a terminal (\ooo), so no name
		 * can forge another session's row.
		 */
		seq_escape_str(m, s->comm, ESCAPE_OCTAL | ESCAPE_NAP |
			       ESCAPE_APPEND, "\\");
		seq_printf(m, "\t%llu\t%llu\t%llu\t%llu\n", s->nr_buffers,
			   s->bytes, s->peak_bytes, s->pages);
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
