// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test of netapibuf_wprintf(3): the wide printf family as <lm.h> maps it,
 * with MSVC's reading of a wide format, asserting the exact bytes written
 * (to a tmpfile) and the count returned.  TAP output.  Also linked in:
 * wprintf16.c (the same calls from a -fshort-wchar file), wprintf-optout.c
 * (NETAPIBUF_NO_MSVC_WPRINTF: glibc's wprintf) and wprintf-cxx.cpp
 * (std::wprintf in C++ after <iostream>).
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <lm.h>

#include "wprintf-tests.h"

#include "tap.h"

/*
 * What @f holds, from its start, NUL-terminated in @buf: read from its
 * file, as a wide-oriented stream cannot be read with fread.
 */
static size_t contents(FILE *f, char *buf, size_t size)
{
	ssize_t n;

	fflush(f);
	n = pread(fileno(f), buf, size - 1, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return (size_t)n;
}

/*
 * The number of wchar_t units of UTF-8 @s: code points, a code point past
 * U+FFFF counting @wide_pairs (2 for UTF-16).
 */
static int units(const char *s, int wide_pairs)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0;

	for (; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		n += *p >= 0xf0 ? wide_pairs : 1;
	}
	return n;
}

/* A fresh stream to format into. */
static FILE *fresh(void)
{
	FILE *f = tmpfile();

	if (!f) {
		perror("tmpfile");
		exit(2);
	}
	return f;
}

/* @f holds exactly @want, and @ret counted its wide characters. */
static void expect(FILE *f, int ret, int err, const char *want,
		   const char *what)
{
	static char got[65536];

	contents(f, got, sizeof(got));
	if (!ok(!strcmp(got, want), "%s: text", what))
		printf("# got  \"%s\"\n# want \"%s\"\n", got, want);
	if (!ok(ret == units(want, 1), "%s: returns %d", what,
		units(want, 1)))
		printf("# got %d (errno %d)\n", ret, err);
	fclose(f);
}

#define CASE(want, ...) do {						\
		FILE *_f = fresh();					\
		int _r = fwprintf(_f, __VA_ARGS__);			\
		expect(_f, _r, errno, want, #__VA_ARGS__);		\
	} while (0)

/* A refused format: -1, @want_errno, nothing written. */
#define REFUSED(want_errno, ...) do {					\
		FILE *_f = fresh();					\
		char _got[64];						\
		int _r;							\
		errno = 0;						\
		_r = fwprintf(_f, __VA_ARGS__);				\
		ok(_r == -1 && errno == (want_errno), "%s: -1, errno %d (got %d, %d)", \
		   #__VA_ARGS__, want_errno, _r, errno);		\
		ok(contents(_f, _got, sizeof(_got)) == 0,		\
		   "%s: nothing written", #__VA_ARGS__);		\
		fclose(_f);						\
	} while (0)

static int via_vfwprintf(FILE *f, const wchar_t *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfwprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

static int via_vwprintf(const wchar_t *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vwprintf(fmt, ap);
	va_end(ap);
	return n;
}

static void conversions(void)
{
	char want[128];
	void *ptr = &want;

	/* Strings and characters as MSVC reads them. */
	CASE("wide|", L"%s|", L"wide");
	CASE("narrow|", L"%S|", "narrow");
	CASE("a b c d", L"%ls %hs %ws %lS", L"a", "b", L"c", L"d");
	CASE("wnxyz", L"%c%C%lc%hc%wc", L'w', 'n', L'x', 'y', L'z');
	CASE("(null) (null)", L"%s %S", (wchar_t *)NULL, (char *)NULL);

	/* Width and precision, given or taken from the arguments. */
	CASE("[   abc][abc   ][ab][    a][x   ][ab  ][abc][  z]",
	     L"[%6s][%-6s][%.2s][%*.*s][%-*s][%*S][%.*s][%3c]",
	     L"abc", L"abc", L"abc", 5, 1, L"abc", 4, L"x", -4, "ab",
	     -1, L"abc", L'z');

	/* Everything else as C's printf: flags, lengths, MSVC's I64. */
	CASE("100% 42 +0007 3   | ff FF 010 4000000000 -1234567890123 9 5 -3 200",
	     L"100%% %d %+05d %-4d| %x %X %#o %u %lld %zu %I64d %hhd %hu",
	     42, 7, 3, 255, 255, 8, 4000000000u, -1234567890123LL,
	     (size_t)9, 5LL, 253, 200);
	CASE("3.142 1.000000e+10 0.5 2.50", L"%.3f %e %g %.2Lf", 3.14159,
	     1e10, 0.5, (long double)2.5);
	snprintf(want, sizeof(want), "<%p>", ptr);
	CASE(want, L"<%p>", ptr);

	/* Mixed, with non-ASCII in the format and the arguments. */
	CASE("h\xc3\xb4te-\xe4\xb8\xad-\xf0\x9f\x98\x80 = domaine-\xc3\xa9t\xc3\xa9 (7) \xc3\xa9",
	     L"%s = %S (%d) \u00e9", L"h\u00f4te-\u4e2d-\U0001F600",
	     "domaine-\xc3\xa9t\xc3\xa9", 7);

	/* Refused: %n writes memory, %Z, positional, unknown, cut off. */
	{
		int n = 42;

		REFUSED(EINVAL, L"ab%n", &n);
		ok(n == 42, "%%n: the argument is not written");
	}
	REFUSED(EINVAL, L"%Z", (void *)NULL);
	REFUSED(EINVAL, L"%1$d", 1);
	REFUSED(EINVAL, L"%y", 1);
	REFUSED(EINVAL, L"abc%");
	/* More than an int of output: refused, nothing built (glibc too). */
	REFUSED(EOVERFLOW, L"a%2147483647d", 1);
	/* An invalid narrow argument: nothing half written. */
	REFUSED(EILSEQ, L"ok %S", "\xff");
}

/* Longer than any buffer the library keeps on its stack. */
static void long_string(void)
{
	size_t n = 100000, i;
	wchar_t *w = malloc((n + 1) * sizeof(*w));
	char *want = malloc(2 * n + 3);
	FILE *f = fresh();
	int r;

	for (i = 0; i < n; i++) {
		w[i] = L'\u00e9';
		want[2 * i] = '\xc3';
		want[2 * i + 1] = '\xa9';
	}
	w[n] = L'\0';
	want[2 * n] = '!';
	want[2 * n + 1] = '\0';
	r = fwprintf(f, L"%s!", w);
	{
		char *got = malloc(2 * n + 16);
		size_t len;

		len = contents(f, got, 2 * n + 16);
		ok(len == 2 * n + 1 && !strcmp(got, want),
		   "%zu characters of 2 bytes: %zu bytes written", n, len);
		free(got);
	}
	ok(r == (int)n + 1, "%zu characters: returns %d", n + 1, r);
	fclose(f);

	/* The same as a narrow argument. */
	f = fresh();
	want[2 * n] = '\0';
	r = fwprintf(f, L"%S!", want);
	want[2 * n] = '!';
	{
		char *got = malloc(2 * n + 16);
		size_t len;

		len = contents(f, got, 2 * n + 16);
		ok(len == 2 * n + 1 && !strcmp(got, want),
		   "%%S, %zu characters of 2 bytes: %zu bytes written", n,
		   len);
		free(got);
	}
	ok(r == (int)n + 1, "%%S, %zu characters: returns %d", n + 1, r);
	fclose(f);
	free(w);
	free(want);
}

/*
 * @size bytes that end where an unmapped page begins: a read past them
 * faults.
 */
static void *at_page_end(const void *bytes, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + page, page, PROT_NONE)) {
		perror("mmap");
		exit(2);
	}
	return memcpy(p + page - size, bytes, size);
}

/*
 * With a precision a string need not be terminated (C11 7.29.2.1): not a
 * byte or unit past what the precision takes is read.
 */
static void unterminated(void)
{
	static const wchar_t w[] = { L'a', L'b', L'\u00e9' };
	static const uint16_t u[] = { 'a', 0xd83d };
	const char *n = at_page_end("ab\xc3\xa9\xe4\xb8\xad", 7);
	const wchar_t *wp = at_page_end(w, sizeof(w));

	CASE("[ab\xc3\xa9\xe4\xb8\xad][ab][  ab\xc3\xa9]",
	     L"[%.4S][%.2hs][%5.3S]", n, n, n);
	CASE("[ab\xc3\xa9][ab][ab\xc3\xa9  ]", L"[%.3s][%.*ls][%-5.3ws]", wp, 2,
	     wp, wp);
	/* UTF-16: the high surrogate in the last unit is a pair cut off. */
	{
		FILE *f = fresh();
		int r = w16_unterminated(f, at_page_end(u, sizeof(u)));

		expect(f, r, errno, "[a][a]", "-fshort-wchar: %.2s, %.1s");
	}
}

static void streams(void)
{
	char got[256];
	FILE *f;
	int r;

	/* After printf on the same stream, and printf after it. */
	f = fresh();
	fprintf(f, "Platform: %d\n", 500);
	r = fwprintf(f, L"Name:     %s\n", L"h\u00f4te");
	fprintf(f, "Version:  %d.%d\n", 6, 1);
	contents(f, got, sizeof(got));
	ok(!strcmp(got, "Platform: 500\nName:     h\xc3\xb4te\nVersion:  6.1\n"),
	   "printf, wprintf, printf on one stream: \"%s\"", got);
	ok(r == 15, "after printf: returns 15 (%d)", r);
	ok(fwide(f, 0) < 0, "the stream stays byte-oriented");
	fclose(f);

	/* An unoriented stream is written as bytes: printf can follow. */
	f = fresh();
	fwprintf(f, L"%s", L"x");
	fprintf(f, "y");
	contents(f, got, sizeof(got));
	ok(!strcmp(got, "xy"), "wprintf then printf: \"%s\"", got);
	fclose(f);

	/* A wide-oriented stream gets wide characters. */
	f = fresh();
	ok(fwide(f, 1) > 0, "fwide(f, 1) orients the stream wide");
	r = fwprintf(f, L"%s-%S-%d", L"\u00e9", "\xc3\xbc", 12);
	fputws(L"|", f);
	contents(f, got, sizeof(got));
	ok(!strcmp(got, "\xc3\xa9-\xc3\xbc-12|"),
	   "a wide-oriented stream: \"%s\"", got);
	ok(r == 6, "a wide-oriented stream: returns 6 (%d)", r);
	fclose(f);

	/* vfwprintf, and errno left alone on success. */
	f = fresh();
	errno = 4242;
	r = via_vfwprintf(f, L"%s=%d", L"v", 1);
	ok(errno == 4242, "errno left as it was on success");
	expect(f, r, errno, "v=1", "vfwprintf");
}

/* wprintf and vwprintf on stdout, which TAP's printf has made narrow. */
static void on_stdout(void)
{
	FILE *f = fresh();
	int saved, r1, r2;
	char got[256];

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(f), STDOUT_FILENO);
	printf("a");
	r1 = wprintf(L"%s", L"\u00e9");
	r2 = via_vwprintf(L"%S%c", "c", L'd');
	printf("e\n");
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	contents(f, got, sizeof(got));
	ok(!strcmp(got, "a\xc3\xa9" "cde\n"), "stdout: printf, wprintf, vwprintf, printf: \"%s\"",
	   got);
	ok(r1 == 1 && r2 == 2, "stdout: returns 1 and 2 (%d, %d)", r1, r2);
	fclose(f);
}

/* The C locale is ASCII: what is beyond it is read and written as UTF-8. */
static void c_locale(void)
{
	setlocale(LC_ALL, "C");
	CASE("\xc3\xa9-\xf0\x9f\x98\x80 \xc3\xa9t\xc3\xa9", L"%s %S",
	     L"\u00e9-\U0001F600", "\xc3\xa9t\xc3\xa9");
	/* Not UTF-8: overlong forms, a surrogate, past U+10FFFF. */
	REFUSED(EILSEQ, L"%S", "\xc0\xaf");
	REFUSED(EILSEQ, L"%S", "a\xc0\x80" "b");
	REFUSED(EILSEQ, L"%S", "\xe0\x80\xaf");
	REFUSED(EILSEQ, L"%S", "\xf0\x80\x80\xaf");
	REFUSED(EILSEQ, L"%S", "\xed\xa0\x80");
	REFUSED(EILSEQ, L"%S", "\xf4\x90\x80\x80");
	CASE("\xf4\x8f\xbf\xbf\xee\x80\x80", L"%S", "\xf4\x8f\xbf\xbf\xee\x80\x80");
	setlocale(LC_ALL, "C.UTF-8");
}

/* The same calls from a file built with -fshort-wchar (wprintf16.c). */
static void short_wchar(void)
{
	char got[256];
	const char *want;
	FILE *f = fresh();
	int r = w16_names(f);

	want = "h\xc3\xb4te-\xf0\x9f\x98\x80|   ab|\xf0\x9f\x98\x80x|\xc3\xa9|n|7";
	contents(f, got, sizeof(got));
	ok(!strcmp(got, want), "-fshort-wchar: UTF-16 strings: \"%s\"", got);
	ok(r == units(want, 2), "-fshort-wchar: returns UTF-16 units: %d (%d)",
	   units(want, 2), r);
	fclose(f);
}

/* NETAPIBUF_NO_MSVC_WPRINTF: glibc's fwprintf, %s narrow (wprintf-optout.c). */
static void opt_out(void)
{
	char got[64];
	FILE *f = fresh();
	int r = optout_narrow(f);

	contents(f, got, sizeof(got));
	ok(!strcmp(got, "glibc"), "opt-out: %%s is narrow: \"%s\"", got);
	ok(r == 5, "opt-out: returns 5 (%d)", r);
	ok(fwide(f, 0) > 0, "opt-out: glibc's wprintf oriented the stream wide");
	fclose(f);
}

/* C++: std::wprintf and ::fwprintf after <iostream> (wprintf-cxx.cpp). */
static void cxx(void)
{
	char got[64];
	FILE *f = fresh();
	int r = cxx_names(f);

	contents(f, got, sizeof(got));
	ok(!strcmp(got, "std:\xc3\xa9|global:x|n"), "C++: \"%s\"", got);
	ok(r == 16, "C++: returns 16 (%d)", r);
	fclose(f);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		printf("1..0 # SKIP no C.UTF-8 locale\n");
		return 4;
	}
	conversions();
	long_string();
	unterminated();
	streams();
	on_stdout();
	c_locale();
	short_wchar();
	opt_out();
	cxx();
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
