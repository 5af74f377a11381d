// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of netapibufctl's reader of the debugfs session list
 * (sessions.c) and of the tools' JSON strings (tools/lib/json.c), against
 * the text netapibuf.ko writes and against process names chosen to forge,
 * hide or reshape rows. TAP output; exit status 1 if a case failed.
 *
 * A process name is at most 15 bytes and an unprivileged user picks it
 * (prctl(PR_SET_NAME)), tabs and newlines included.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sessions.h"

#define HEADER	"pid\tcomm\tbuffers\tbytes\tpeak_bytes\tpages\n"

static int tests, failed;

static void __attribute__((format(printf, 2, 3)))
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failed++;
}

/* Parses len bytes of text (len 0: strlen) into *t; returns the error. */
static int parse_n(struct session_table *t, const char *text, size_t len)
{
	char *buf;

	if (!len)
		len = strlen(text);
	buf = malloc(len);
	if (!buf) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf, text, len);
	return session_table_parse(t, buf, len);
}

static int parse(struct session_table *t, const char *text)
{
	return parse_n(t, text, 0);
}

/* text must be refused as a whole, and leave nothing behind. */
static void refused(const char *what, const char *text, size_t len)
{
	struct session_table t;
	int err = parse_n(&t, text, len);

	check(err == -EBADMSG && !t.nrows && !t.rows && !t.text_buf,
	      "refused: %s (%s)", what, strerror(-err));
}

static bool row_is(const struct session_table *t, int i, const char *pid,
		   const char *comm, const char *buffers)
{
	return i < t->nrows && !strcmp(t->rows[i][0], pid) &&
	       !strcmp(t->rows[i][1], comm) && !strcmp(t->rows[i][2], buffers);
}

static void shown_is(const char *value, const char *want)
{
	char *shown = session_shown(value);

	check(shown && !strcmp(shown, want), "shown as %s", want);
	free(shown);
}

static void json_is(const char *value, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		perror("open_memstream");
		exit(2);
	}
	json_string(f, value);
	fclose(f);
	check(!strcmp(out, want), "json %s", want);
	free(out);
}

static void well_formed(void)
{
	struct session_table t;
	int err;

	err = parse(&t, HEADER "12\tholdbufs\t8\t800\t800\t2\n"
			   "13\tother\t0\t0\t0\t0\n");
	check(!err && t.ncols == 6 && t.nrows == 2 && t.text[1] &&
	      !t.text[0] && row_is(&t, 0, "12", "holdbufs", "8") &&
	      row_is(&t, 1, "13", "other", "0") &&
	      !strcmp(t.rows[1][5], "0"), "two sessions");
	session_table_free(&t);

	err = parse(&t, HEADER);
	check(!err && t.ncols == 6 && t.nrows == 0, "no session");
	session_table_free(&t);

	/* A name that is a number is still a name. */
	err = parse(&t, HEADER "12\t42\t1\t16\t16\t1\n");
	check(!err && row_is(&t, 0, "12", "42", "1"), "a numeric name");
	session_table_free(&t);
}

/*
 * The names of the brief and others like them, as netapibuf.ko escapes
 * them (seq_escape_str(), ESCAPE_OCTAL): one row each, the name intact.
 */
static void escaped_names(void)
{
	static const struct {
		const char *file, *name, *shown;
	} cases[] = {
		/* A row of its own in the name. */
		{ HEADER "77\tx\\0121\\011sshd\\01177777\t8\t800\t800\t2\n",
		  "x\n1\tsshd\t77777", "x\\0121\\011sshd\\01177777" },
		/* Whole rows in the name: fields, newline, fields. */
		{ HEADER "77\tx\\0111\\0112\\0113\\0114\\0125\\011z\t8\t800\t800\t2\n",
		  "x\t1\t2\t3\t4\n5\tz", "x\\0111\\0112\\0113\\0114\\0125\\011z" },
		/* A backslash, escaped, and the text of an escape. */
		{ HEADER "77\ta\\134012b\t8\t800\t800\t2\n", "a\\012b", "a\\134012b" },
		/* A terminal escape. */
		{ HEADER "77\t\\033[2J\\033]0;x\\007\t8\t800\t800\t2\n",
		  "\033[2J\033]0;x\007", "\\033[2J\\033]0;x\\007" },
		/* UTF-8, escaped byte by byte, and a byte that is not. */
		{ HEADER "77\tcaf\\303\\251\\377\t8\t800\t800\t2\n", "caf\xc3\xa9\xff",
		  "caf\xc3\xa9\\377" },
	};
	struct session_table t;
	size_t i;
	int err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = parse(&t, cases[i].file);
		check(!err && t.nrows == 1 &&
		      row_is(&t, 0, "77", cases[i].name, "8"),
		      "escaped name %s: one row, the name intact",
		      cases[i].shown);
		shown_is(cases[i].name, cases[i].shown);
		session_table_free(&t);
	}
}

/*
 * The same names as a netapibuf.ko that does not escape writes them: a
 * name that splits its row leaves a line with too few or too many fields,
 * and the file is refused rather than read as two sessions.
 */
static void raw_names(void)
{
	struct session_table t;
	int err;

	refused("x\\n1\\tsshd\\t77777 unescaped",
		HEADER "77\tx\n1\tsshd\t77777\t8\t800\t800\t2\n", 0);
	refused("a name with a tab",
		HEADER "77\ta\tb\t8\t800\t800\t2\n", 0);
	refused("a name ending in a newline",
		HEADER "77\tx\n\t8\t800\t800\t2\n", 0);
	refused("a name that is a newline before real rows",
		HEADER "77\t\n\t8\t800\t800\t2\n12\tok\t1\t1\t1\t1\n", 0);

	/* Bytes that do not split a row are the name, shown escaped. */
	err = parse(&t, HEADER "77\t\033[2J\t8\t800\t800\t2\n");
	check(!err && row_is(&t, 0, "77", "\033[2J", "8"),
	      "a raw terminal escape is a name");
	session_table_free(&t);
	err = parse(&t, HEADER "77\ta\\b\\0\t8\t800\t800\t2\n");
	check(!err && row_is(&t, 0, "77", "a\\b\\0", "8"),
	      "a raw backslash that escapes nothing is itself");
	session_table_free(&t);
}

static void malformed(void)
{
	static const char nul[] = HEADER "77\ta\0b\t8\t800\t800\t2\n";
	char many[512];
	int i, n;

	refused("empty file", "", 0);
	refused("last line not ended", HEADER "12\tp\t8\t800\t800\t2", 0);
	refused("header not ended", "pid\tcomm", 0);
	refused("empty line", HEADER "12\tp\t8\t800\t800\t2\n\n", 0);
	refused("a field short", HEADER "12\tp\t8\t800\t800\n", 0);
	refused("a field more", HEADER "12\tp\t8\t800\t800\t2\t9\n", 0);
	refused("a number that is not one", HEADER "12\tp\t8x\t800\t800\t2\n",
		0);
	refused("a negative number", HEADER "-12\tp\t8\t800\t800\t2\n", 0);
	refused("an empty number", HEADER "12\tp\t\t800\t800\t2\n", 0);
	refused("a number of 21 digits",
		HEADER "12\tp\t100000000000000000000\t800\t800\t2\n", 0);
	refused("an escaped NUL", HEADER "12\ta\\000b\t8\t800\t800\t2\n", 0);
	refused("a NUL byte", nul, sizeof(nul) - 1);
	refused("a column name not in lower case", "PID\tcomm\n", 0);
	refused("an empty column name", "pid\t\tcomm\n", 0);
	refused("a column twice", "pid\tcomm\tpid\n", 0);

	for (i = 0, n = 0; i <= SESSIONS_MAX_COLUMNS; i++)
		n += snprintf(many + n, sizeof(many) - n, "%sc%c",
			      i ? "\t" : "", 'a' + i);
	snprintf(many + n, sizeof(many) - n, "\n");
	refused("too many columns", many, 0);
}

static void json(void)
{
	json_is("holdbufs", "\"holdbufs\"");
	json_is("x\n1\tsshd\t77777", "\"x\\n1\\tsshd\\t77777\"");
	json_is("\"q\\\x01\x7f", "\"\\\"q\\\\\\u0001\\u007f\"");
	json_is("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	json_is("\xff" "a\xc3", "\"\\ufffda\\ufffd\"");
	json_is("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80",
		"\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
		"\\ufffd\\ufffd\"");
	json_is("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
}

int main(void)
{
	well_formed();
	escaped_names();
	raw_names();
	malformed();
	json();
	printf("1..%d\n", tests);
	return failed ? 1 : 0;
}
