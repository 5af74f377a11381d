// SPDX-License-Identifier: GPL-2.0
/*
 * netapibufctl's reader of /sys/kernel/debug/netapibuf/sessions; the
 * format and the rules are in sessions.h.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sessions.h"

void session_table_free(struct session_table *t)
{
	int i;

	for (i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->text_buf);
	memset(t, 0, sizeof(*t));
}

/*
 * Splits line at tabs into fields[0..max-1]. Returns the number of fields,
 * or max + 1 when there are more.
 */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	for (;;) {
		if (n == max)
			return max + 1;
		fields[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			return n;
		*line++ = '\0';
	}
}

static bool column_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (!(*name >= 'a' && *name <= 'z') && *name != '_')
			return false;
	return true;
}

/* A decimal integer that fits in 64 bits, and nothing else. */
static bool integer_ok(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return p > s && p - s <= 20;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/*
 * Decodes the '\ooo' escapes of a name in place. A backslash not followed
 * by three octal digits is itself (the module did not escape names before
 * it escaped them this way). Returns false for an escaped NUL, which no
 * name holds.
 */
static bool unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && is_octal(s[1]) && is_octal(s[2]) &&
		    is_octal(s[3]) && s[1] <= '3') {
			char c = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));

			if (!c)
				return false;
			*out++ = c;
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
	return true;
}

static int parse_header(struct session_table *t, char *line)
{
	int i, j;

	t->ncols = split_tabs(line, t->cols, SESSIONS_MAX_COLUMNS);
	if (t->ncols > SESSIONS_MAX_COLUMNS)
		return -EBADMSG;
	for (i = 0; i < t->ncols; i++) {
		if (!column_name_ok(t->cols[i]))
			return -EBADMSG;
		for (j = 0; j < i; j++)
			if (!strcmp(t->cols[i], t->cols[j]))
				return -EBADMSG;
		t->text[i] = !strcmp(t->cols[i], "comm");
	}
	return 0;
}

static int parse_row(struct session_table *t, char *line)
{
	char **row, ***rows;
	int j;

	row = calloc(t->ncols + 1, sizeof(*row));
	if (!row)
		return -ENOMEM;
	if (split_tabs(line, row, t->ncols) != t->ncols)
		goto bad;
	for (j = 0; j < t->ncols; j++) {
		if (t->text[j] ? !unescape(row[j]) : !integer_ok(row[j]))
			goto bad;
	}
	rows = realloc(t->rows, (t->nrows + 1) * sizeof(*rows));
	if (!rows) {
		free(row);
		return -ENOMEM;
	}
	t->rows = rows;
	t->rows[t->nrows++] = row;
	return 0;
bad:
	free(row);
	return -EBADMSG;
}

int session_table_parse(struct session_table *t, char *buf, size_t len)
{
	char *line, *end;
	int err;

	memset(t, 0, sizeof(*t));
	t->text_buf = buf;
	/* Whole lines of text only: no NUL inside, the last one ended. */
	if (!len || memchr(buf, '\0', len) || buf[len - 1] != '\n') {
		err = -EBADMSG;
		goto fail;
	}
	buf[len - 1] = '\0';

	line = buf;
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	err = parse_header(t, line);
	while (!err && end) {
		line = end + 1;
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		err = parse_row(t, line);
	}
	if (!err)
		return 0;
fail:
	session_table_free(t);
	return err;
}

int session_table_read(struct session_table *t, const char *path)
{
	size_t cap = 0, len = 0, n;
	char *buf = NULL, *p;
	FILE *f;
	int err = 0;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap * 2 + 8192;
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	return session_table_parse(t, buf, len);
}

char *session_shown(const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	char *shown = malloc(4 * strlen(value) + 1), *out = shown;
	size_t n;

	if (!shown)
		return NULL;
	while (*p) {
		n = utf8_len((const char *)p);
		/* Printable ASCII; UTF-8 from U+00A0 on (no C1 controls). */
		if ((n == 1 && *p >= 0x20 && *p < 0x7f && *p != '\\') ||
		    (n > 1 && !(p[0] == 0xc2 && p[1] < 0xa0))) {
			memcpy(out, p, n);
			out += n;
			p += n;
		} else {
			out += sprintf(out, "\\%03o", *p++);
		}
	}
	*out = '\0';
	return shown;
}
