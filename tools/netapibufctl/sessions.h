/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netapibufctl's reader of /sys/kernel/debug/netapibuf/sessions.
 *
 * The file is debugfs, not ABI: its format is private to netapibuf.ko and
 * the netapibufctl shipped with it, which is the only reader it has to
 * please. That format, as this reader takes it:
 *
 * - a first line naming the columns, separated by tabs; names are
 *   lower-case letters and '_', each once;
 * - one line per session, with one field per column, separated by tabs;
 *   every line ends with '\n';
 * - every field is a decimal integer, except that of the "comm" column:
 *   the name of the process that opened the session, in which the module
 *   writes a backslash, a tab, a newline and any other byte that is not
 *   printable ASCII as '\' and three octal digits (seq_escape_str()'s
 *   ESCAPE_OCTAL).
 *
 * Process names are chosen by unprivileged users (prctl(PR_SET_NAME)), so
 * the reader trusts nothing else: a file that breaks any of these rules -
 * a field too many or too few, a line not ended, a number that is not one,
 * an escaped NUL - is refused as a whole (-EBADMSG) rather than shown in
 * part, so that no name can add, hide or reshape a row. That needs the
 * module's escaping: netapibuf.ko 1.0.0 writes names as they are, and a
 * name made of whole rows ("x	1	2	3	4
5	z") then adds a row.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUFCTL_SESSIONS_H
#define NETAPIBUFCTL_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#define SESSIONS_MAX_COLUMNS	16

struct session_table {
	int ncols;
	char *cols[SESSIONS_MAX_COLUMNS];
	bool text[SESSIONS_MAX_COLUMNS];	/* the "comm" column */
	int nrows;
	char ***rows;		/* rows[i][j], j < ncols, decoded */
	char *text_buf;		/* the file's contents; every string points in */
};

/*
 * Parses the len bytes at buf (malloc'ed; the table owns it from here on,
 * also on failure) into *t. Returns 0, -EBADMSG for text not in the
 * format above, or -ENOMEM.
 */
int session_table_parse(struct session_table *t, char *buf, size_t len);

/* Reads and parses path; 0 or a negative errno (-EBADMSG as above). */
int session_table_read(struct session_table *t, const char *path);

void session_table_free(struct session_table *t);

/*
 * value made safe for a terminal, malloc'ed: printable ASCII and
 * well-formed UTF-8 of printable characters as they are, a backslash and
 * every other byte as '\' and three octal digits. NULL if out of memory.
 */
char *session_shown(const char *value);

#endif /* NETAPIBUFCTL_SESSIONS_H */
