// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: wprintf with the wide format semantics of Microsoft's C
 * runtime, for programs written against Windows' headers.  In MSVC's wide
 * printf family %s and %c take a wchar_t string and character and %S and
 * %C a narrow one; glibc reads %s as narrow, so Windows code printing an
 * LMSTR with wprintf(L"%s") prints garbage.  <lm.h> and the other
 * Windows-convention headers map wprintf, fwprintf, vwprintf and
 * vfwprintf here (netapibuf_wprintf(3)).
 *
 * The whole output is formatted first, as code points (glibc's wchar_t),
 * then written under the stream's lock: to a wide-oriented stream with
 * fputwc, to any other as multibyte text of the current locale, so that
 * printf and wprintf can share a stream as they do on Windows.  Nothing is
 * written when the format or a conversion fails.  Numbers go through
 * glibc's snprintf with the same flags, width, precision and length.
 *
 * Each entry point exists for a 4-byte wchar_t (_w32: glibc's) and a
 * 2-byte one (_w16: UTF-16, -fshort-wchar); the header binds the
 * program's calls to one by __SIZEOF_WCHAR_T__.  No static state: the
 * calls are as thread-safe as the stdio calls they end in.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The w32 entry points' prototypes, as programs see them. */
#include <lm.h>

#include "netapibuf-private.h"
#include "utf8.h"

_Static_assert(sizeof(wchar_t) == 4, "the library is built with glibc's wchar_t");

/* The formatted text so far, in code points. */
struct wout {
	wchar_t *buf;
	size_t len, cap;
	size_t units;		/* in the program's wchar_t */
	bool w16;		/* the program's wchar_t is UTF-16 */
	wchar_t first[256];	/* most output fits: no allocation */
};

/* A format or an argument string of the program's wchar_t. */
struct wstr {
	const void *p;
	bool w16;
};

static size_t cp_units(const struct wout *o, wchar_t c)
{
	return o->w16 && (uint32_t)c >= 0x10000 ? 2 : 1;
}

static int wout_reserve(struct wout *o, size_t more)
{
	size_t cap;
	wchar_t *b;

	if (o->len + more <= o->cap)
		return 0;
	if (more > (size_t)INT_MAX - o->len)
		return -EOVERFLOW;
	cap = o->cap * 2 > o->len + more ? o->cap * 2 : o->len + more;
	if (o->buf == o->first) {
		b = malloc(cap * sizeof(*b));
		if (b)
			memcpy(b, o->first, o->len * sizeof(*b));
	} else {
		b = realloc(o->buf, cap * sizeof(*b));
	}
	if (!b)
		return -ENOMEM;
	o->buf = b;
	o->cap = cap;
	return 0;
}

static int wout_put(struct wout *o, wchar_t c)
{
	int err = wout_reserve(o, 1);

	if (err)
		return err;
	o->buf[o->len++] = c;
	o->units += cp_units(o, c);
	return o->units > INT_MAX ? -EOVERFLOW : 0;
}

/*
 * @n spaces before the @len code points from @start (right-justified) or
 * after them (@left).
 */
static int wout_pad(struct wout *o, size_t start, size_t n, bool left)
{
	size_t moved = o->len - start, i;
	int err;

	if (!n)
		return 0;
	if (n > INT_MAX)
		return -EOVERFLOW;
	err = wout_reserve(o, n);
	if (err)
		return err;
	if (!left)
		memmove(o->buf + start + n, o->buf + start,
			moved * sizeof(*o->buf));
	for (i = 0; i < n; i++)
		o->buf[left ? o->len + i : start + i] = L' ';
	o->len += n;
	o->units += n;
	return o->units > INT_MAX ? -EOVERFLOW : 0;
}

/* The code point at *@i of @s (UTF-16 pairs joined), *@i moved past it. */
static wchar_t wstr_get(const struct wstr *s, size_t *i)
{
	const uint16_t *u = s->p;
	uint32_t c, d;

	if (!s->w16)
		return ((const wchar_t *)s->p)[(*i)++];
	c = u[(*i)++];
	if (c >= 0xd800 && c < 0xdc00) {
		d = u[*i];
		if (d >= 0xdc00 && d < 0xe000) {
			(*i)++;
			c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
		}
	}
	return (wchar_t)c;
}

/* The locale cannot encode beyond ASCII: the C and POSIX locales. */
static bool locale_is_ascii(void)
{
	return !strcmp(nl_langinfo(CODESET), "ANSI_X3.4-1968");
}

/*
 * The code point at @s of a narrow string, decoded per the locale (UTF-8
 * in the C locale, as wmain.c reads arguments): its length in bytes,
 * 0 at the end, or (size_t)-1 if invalid.  Fed to mbrtowc a byte at a
 * time, so that no byte past the character is read: with a precision the
 * string need not be terminated (C11 7.29.2.1).
 */
static size_t narrow_get(const char *s, wchar_t *wc, mbstate_t *st,
			 bool ascii)
{
	size_t n = 0, r;

	for (;;) {
		r = mbrtowc(wc, s + n, 1, st);
		if (r != (size_t)-2)
			break;
		n++;
	}
	if (r == 0)
		return 0;
	if (r != (size_t)-1)
		return n + 1;
	if (!ascii)
		return (size_t)-1;
	memset(st, 0, sizeof(*st));
	n = nab_utf8_decode((const unsigned char *)s, wc);
	return n ? n : (size_t)-1;
}

/* Limits of one %s or %c: width and precision, -1 when not given. */
struct spec {
	bool left;		/* '-' */
	int width;
	int prec;
};

/* Pads what was appended since @start to the spec's width. */
static int finish_field(struct wout *o, size_t start, size_t start_units,
			const struct spec *sp)
{
	size_t w = o->units - start_units;

	if (sp->width < 0 || (size_t)sp->width <= w)
		return 0;
	return wout_pad(o, start, (size_t)sp->width - w, sp->left);
}

/* Does one more code point @c fit into the precision? */
static bool fits(const struct wout *o, size_t start_units,
		 const struct spec *sp, wchar_t c)
{
	return sp->prec < 0 ||
	       o->units - start_units + cp_units(o, c) <= (size_t)sp->prec;
}

/* Units the precision leaves for the string: SIZE_MAX if none given. */
static size_t room(const struct wout *o, size_t start_units,
		   const struct spec *sp)
{
	return sp->prec < 0 ? SIZE_MAX :
	       (size_t)sp->prec - (o->units - start_units);
}

/* What %s and %S print for a NULL pointer, as both C runtimes do. */
static const char null_text[] = "(null)";

static int put_narrow_string(struct wout *o, const char *s,
			     const struct spec *sp)
{
	size_t start = o->len, start_units = o->units, n;
	bool ascii = locale_is_ascii();
	mbstate_t st;
	wchar_t c;
	int err;

	memset(&st, 0, sizeof(st));
	if (!s)
		s = null_text;
	for (;;) {
		/* With the precision spent, the string may end here. */
		if (!room(o, start_units, sp))
			break;
		n = narrow_get(s, &c, &st, ascii);
		if (!n)
			break;
		if (n == (size_t)-1)
			return -EILSEQ;
		if (!fits(o, start_units, sp, c))
			break;
		err = wout_put(o, c);
		if (err)
			return err;
		s += n;
	}
	return finish_field(o, start, start_units, sp);
}

static int put_wide_string(struct wout *o, const void *p,
			   const struct spec *sp)
{
	struct wstr s = { p, o->w16 };
	size_t start = o->len, start_units = o->units, i = 0, left;
	wchar_t c;
	int err;

	if (!p)
		return put_narrow_string(o, NULL, sp);
	for (;;) {
		/*
		 * Nothing past the precision is read, as the string need not
		 * be terminated there: not the unit after a high surrogate
		 * in its last unit, where a pair would not fit anyway.
		 */
		left = room(o, start_units, sp);
		if (!left || (left == 1 && o->w16 &&
			      (((const uint16_t *)p)[i] & 0xfc00) == 0xd800))
			break;
		c = wstr_get(&s, &i);
		if (!c || !fits(o, start_units, sp, c))
			break;
		err = wout_put(o, c);
		if (err)
			return err;
	}
	return finish_field(o, start, start_units, sp);
}

static int put_char(struct wout *o, wchar_t c, const struct spec *sp)
{
	size_t start = o->len, start_units = o->units;
	int err = wout_put(o, c);

	return err ? err : finish_field(o, start, start_units, sp);
}

/* A narrow character, as the locale reads it alone (C locale: ASCII). */
static int put_narrow_char(struct wout *o, int c, const struct spec *sp)
{
	wint_t wc = btowc(c);

	if (wc == WEOF)
		return -EILSEQ;
	return put_char(o, (wchar_t)wc, sp);
}

/*
 * A number printed by snprintf from the narrow conversion @spec (flags,
 * width, precision and length as the program wrote them) and its
 * argument, decoded per the locale (a decimal point may not be ASCII).
 */
__attribute__((format(printf, 2, 3)))
static int put_number(struct wout *o, const char *spec, ...)
{
	char first[128], *text = first;
	mbstate_t st;
	va_list ap;
	size_t i, n;
	wchar_t c;
	int len, err = 0;

	va_start(ap, spec);
	len = vsnprintf(first, sizeof(first), spec, ap);
	va_end(ap);
	if (len < 0)
		return -errno;
	/* Past an int of output: refused before a byte of it is stored. */
	if ((size_t)len > (size_t)INT_MAX - o->units)
		return -EOVERFLOW;
	if ((size_t)len >= sizeof(first)) {
		text = malloc((size_t)len + 1);
		if (!text)
			return -ENOMEM;
		va_start(ap, spec);
		vsnprintf(text, (size_t)len + 1, spec, ap);
		va_end(ap);
	}
	memset(&st, 0, sizeof(st));
	for (i = 0; i < (size_t)len && !err; i += n) {
		n = mbrtowc(&c, text + i, (size_t)len - i, &st);
		if (n == 0 || n >= (size_t)-2) {
			memset(&st, 0, sizeof(st));
			c = (unsigned char)text[i];
			n = 1;
		}
		err = wout_put(o, c);
	}
	if (text != first)
		free(text);
	return err;
}

/* Length modifiers, as the format spells them. */
enum len {
	LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_BIGL, LEN_J, LEN_Z,
	LEN_T,
	LEN_W,		/* MSVC's w: %wc and %ws are wide */
};

static const char *const len_text[] = {
	[LEN_NONE] = "", [LEN_HH] = "hh", [LEN_H] = "h", [LEN_L] = "l",
	[LEN_LL] = "ll", [LEN_BIGL] = "L", [LEN_J] = "j", [LEN_Z] = "z",
	[LEN_T] = "t", [LEN_W] = "",
};

/*
 * One signed or unsigned integer conversion: the argument fetched in the
 * type its length modifier names, printed by snprintf.
 */
static int put_integer(struct wout *o, const char *spec, enum len len,
		       bool is_signed, va_list *ap)
{
	if (is_signed) {
		switch (len) {
		case LEN_L:
			return put_number(o, spec, va_arg(*ap, long));
		case LEN_LL:
		case LEN_BIGL:
			return put_number(o, spec, va_arg(*ap, long long));
		case LEN_J:
			return put_number(o, spec, va_arg(*ap, intmax_t));
		case LEN_Z:
			return put_number(o, spec, va_arg(*ap, ssize_t));
		case LEN_T:
			return put_number(o, spec, va_arg(*ap, ptrdiff_t));
		default:	/* char and short are passed as int */
			return put_number(o, spec, va_arg(*ap, int));
		}
	}
	switch (len) {
	case LEN_L:
		return put_number(o, spec, va_arg(*ap, unsigned long));
	case LEN_LL:
	case LEN_BIGL:
		return put_number(o, spec, va_arg(*ap, unsigned long long));
	case LEN_J:
		return put_number(o, spec, va_arg(*ap, uintmax_t));
	case LEN_Z:
		return put_number(o, spec, va_arg(*ap, size_t));
	case LEN_T:
		return put_number(o, spec, va_arg(*ap, ptrdiff_t));
	default:
		return put_number(o, spec, va_arg(*ap, unsigned int));
	}
}

/* A decimal number of the format (width, precision); -1 past INT_MAX. */
static int read_decimal(const struct wstr *f, size_t *i)
{
	size_t j = *i;
	long v = 0;
	wchar_t c;

	for (;;) {
		c = wstr_get(f, &j);
		if (c < L'0' || c > L'9')
			break;
		v = v * 10 + (c - L'0');
		if (v > INT_MAX)
			return -1;
		*i = j;
	}
	return (int)v;
}

/* The code point at @i, not consumed. */
static wchar_t peek(const struct wstr *f, size_t i)
{
	return wstr_get(f, &i);
}

/*
 * The narrow conversion for snprintf: the program's flags, width and
 * precision (a * already read), @len and @conv.
 */
static void make_spec(char *spec, size_t size, const char *flags,
		      const struct spec *sp, const char *len, wchar_t conv)
{
	char width[16] = "", prec[16] = "";

	if (sp->width >= 0)
		snprintf(width, sizeof(width), "%d", sp->width);
	if (sp->prec >= 0)
		snprintf(prec, sizeof(prec), ".%d", sp->prec);
	snprintf(spec, size, "%%%s%s%s%s%c", flags, width, prec, len,
		 (char)conv);
}

/* @c as UTF-8 at @p: its length, 0 if it is no Unicode scalar value. */
static size_t utf8_encode(wchar_t wc, char *p)
{
	uint32_t c = (uint32_t)wc;

	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if ((c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
		return 0;
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | c >> 12);
		p[1] = (char)(0x80 | (c >> 6 & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | c >> 18);
	p[1] = (char)(0x80 | (c >> 12 & 0x3f));
	p[2] = (char)(0x80 | (c >> 6 & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * Formats @fmt with the arguments @ap into @o: 0, or a negative errno
 * (-EINVAL for a conversion refused: %n, %Z, positional arguments, an
 * unknown one).
 */
static int format(struct wout *o, const struct wstr *f, va_list *ap)
{
	char spec[64], flags[8];
	size_t i = 0, nflags;
	struct spec sp;
	enum len len;
	wchar_t c;
	int err, n;

	for (;;) {
		c = wstr_get(f, &i);
		if (!c)
			return 0;
		if (c != L'%') {
			err = wout_put(o, c);
			if (err)
				return err;
			continue;
		}

		/* Flags: those of both C runtimes. */
		sp.left = false;
		nflags = 0;
		while ((c = peek(f, i)) && wcschr(L"-+ #0", c)) {
			i++;
			if (c == L'-')
				sp.left = true;
			if (nflags < sizeof(flags) - 1 &&
			    !memchr(flags, (char)c, nflags))
				flags[nflags++] = (char)c;
		}
		flags[nflags] = '\0';

		/* Width: digits or *, a negative * is '-'. */
		sp.width = -1;
		if (peek(f, i) == L'*') {
			i++;
			n = va_arg(*ap, int);
			if (n < 0) {
				if (n == INT_MIN)
					return -EOVERFLOW;
				n = -n;
				sp.left = true;
				if (!memchr(flags, '-', nflags) &&
				    nflags < sizeof(flags) - 1) {
					flags[nflags++] = '-';
					flags[nflags] = '\0';
				}
			}
			sp.width = n;
		} else if (peek(f, i) >= L'1' && peek(f, i) <= L'9') {
			sp.width = read_decimal(f, &i);
			if (sp.width < 0)
				return -EOVERFLOW;
			if (peek(f, i) == L'$')	/* %1$d: not MSVC's printf */
				return -EINVAL;
		}

		/* Precision: digits or *, a negative * is none. */
		sp.prec = -1;
		if (peek(f, i) == L'.') {
			i++;
			if (peek(f, i) == L'*') {
				i++;
				n = va_arg(*ap, int);
				sp.prec = n < 0 ? -1 : n;
			} else {
				sp.prec = read_decimal(f, &i);
				if (sp.prec < 0)
					return -EOVERFLOW;
			}
		}

		/* Length: C99's, and MSVC's I, I32, I64 and w. */
		len = LEN_NONE;
		c = wstr_get(f, &i);
		switch (c) {
		case L'h':
			len = LEN_H;
			if (peek(f, i) == L'h') {
				i++;
				len = LEN_HH;
			}
			c = wstr_get(f, &i);
			break;
		case L'l':
			len = LEN_L;
			if (peek(f, i) == L'l') {
				i++;
				len = LEN_LL;
			}
			c = wstr_get(f, &i);
			break;
		case L'L':
		case L'q':
			len = c == L'L' ? LEN_BIGL : LEN_LL;
			c = wstr_get(f, &i);
			break;
		case L'j':
		case L'z':
		case L't':
			len = c == L'j' ? LEN_J : c == L'z' ? LEN_Z : LEN_T;
			c = wstr_get(f, &i);
			break;
		case L'w':
			len = LEN_W;
			c = wstr_get(f, &i);
			break;
		case L'I':
			if (peek(f, i) == L'6' && peek(f, i + 1) == L'4') {
				i += 2;
				len = LEN_LL;
			} else if (peek(f, i) == L'3' &&
				   peek(f, i + 1) == L'2') {
				i += 2;
			} else {
				len = LEN_Z;
			}
			c = wstr_get(f, &i);
			break;
		}

		/* The conversion. */
		switch (c) {
		case L'%':
			err = wout_put(o, L'%');
			break;
		case L's':
		case L'S':
			if (len == LEN_H ||
			    (c == L'S' && len != LEN_L && len != LEN_W))
				err = put_narrow_string(o, va_arg(*ap, const char *),
							&sp);
			else
				err = put_wide_string(o, va_arg(*ap, const void *),
						      &sp);
			break;
		case L'c':
		case L'C':
			/* char and wchar_t (2 or 4 bytes) are passed as int. */
			n = va_arg(*ap, int);
			if (len == LEN_H ||
			    (c == L'C' && len != LEN_L && len != LEN_W))
				err = put_narrow_char(o, (unsigned char)n, &sp);
			else if (o->w16)
				err = put_char(o, (wchar_t)(uint16_t)n, &sp);
			else
				err = put_char(o, (wchar_t)n, &sp);
			break;
		case L'd':
		case L'i':
		case L'u':
		case L'o':
		case L'x':
		case L'X':
			make_spec(spec, sizeof(spec), flags, &sp, len_text[len], c);
			err = put_integer(o, spec, len, c == L'd' || c == L'i',
					  ap);
			break;
		case L'e':
		case L'E':
		case L'f':
		case L'F':
		case L'g':
		case L'G':
		case L'a':
		case L'A':
			if (len == LEN_BIGL) {
				make_spec(spec, sizeof(spec), flags, &sp, "L", c);
				err = put_number(o, spec, va_arg(*ap, long double));
			} else {
				make_spec(spec, sizeof(spec), flags, &sp, "", c);
				err = put_number(o, spec, va_arg(*ap, double));
			}
			break;
		case L'p':
			make_spec(spec, sizeof(spec), flags, &sp, "", c);
			err = put_number(o, spec, va_arg(*ap, void *));
			break;
		default:
			/*
			 * %n (writes memory: MSVC refuses it too), %Z (MSVC's
			 * counted-string structs), an unknown conversion, or
			 * the end of the format.
			 */
			err = -EINVAL;
		}
		if (err)
			return err;
	}
}

/* Writes the formatted text to @f: 0, or a negative errno. */
static int emit(FILE *f, const struct wout *o)
{
	char first[512], *text = first, *p;
	size_t cap = sizeof(first), need, per, i, n;
	bool ascii = false, checked = false;
	mbstate_t st;
	int err = 0;

	flockfile(f);
	if (fwide(f, 0) > 0) {
		/* A wide stream converts as glibc's wprintf would. */
		for (i = 0; i < o->len; i++) {
			if (fputwc_unlocked(o->buf[i], f) == WEOF) {
				err = -errno;
				break;
			}
		}
		goto unlock;
	}

	/*
	 * Narrow or not yet oriented: bytes, which printf can follow; at
	 * most MB_CUR_MAX of them a character, 4 in UTF-8.
	 */
	per = MB_CUR_MAX > 4 ? MB_CUR_MAX : 4;
	if (o->len > SIZE_MAX / per) {
		err = -EOVERFLOW;
		goto unlock;
	}
	need = o->len * per;
	if (need > cap) {
		text = malloc(need);
		if (!text) {
			err = -ENOMEM;
			goto unlock;
		}
	}
	memset(&st, 0, sizeof(st));
	for (i = 0, p = text; i < o->len; i++, p += n) {
		n = wcrtomb(p, o->buf[i], &st);
		if (n != (size_t)-1)
			continue;
		/* The C locale is ASCII: the rest is written as UTF-8. */
		if (!checked) {
			ascii = locale_is_ascii();
			checked = true;
		}
		memset(&st, 0, sizeof(st));
		n = ascii ? utf8_encode(o->buf[i], p) : 0;
		if (!n) {
			err = -EILSEQ;
			goto free;
		}
	}
	n = (size_t)(p - text);
	if (fwrite_unlocked(text, 1, n, f) != n)
		err = errno ? -errno : -EIO;
free:
	if (text != first)
		free(text);
unlock:
	funlockfile(f);
	return err;
}

static int vfwprintf_any(FILE *f, const void *fmt, bool w16, va_list ap)
{
	struct wout o = { .w16 = w16 };
	struct wstr s = { fmt, w16 };
	int saved = errno, err;
	va_list args;

	if (!f || !fmt) {
		errno = EINVAL;
		return -1;
	}
	o.buf = o.first;
	o.cap = sizeof(o.first) / sizeof(o.first[0]);
	va_copy(args, ap);
	err = format(&o, &s, &args);
	va_end(args);
	if (!err)
		err = emit(f, &o);
	if (o.buf != o.first)
		free(o.buf);
	if (err) {
		errno = -err;
		return -1;
	}
	errno = saved;
	return (int)o.units;
}

/*
 * The 4-byte entry points: <lm.h> declares them as netapibuf_wprintf,
 * ... with the asm label netapibuf_wprintf_w32, ..., which these
 * definitions take.
 */
NETAPIBUF_EXPORT int netapibuf_vfwprintf(FILE *stream, const wchar_t *format,
					 va_list ap)
{
	return vfwprintf_any(stream, format, false, ap);
}

NETAPIBUF_EXPORT int netapibuf_vwprintf(const wchar_t *format, va_list ap)
{
	return vfwprintf_any(stdout, format, false, ap);
}

NETAPIBUF_EXPORT int netapibuf_fwprintf(FILE *stream, const wchar_t *format,
					...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vfwprintf_any(stream, format, false, ap);
	va_end(ap);
	return n;
}

NETAPIBUF_EXPORT int netapibuf_wprintf(const wchar_t *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vfwprintf_any(stdout, format, false, ap);
	va_end(ap);
	return n;
}

/* The 2-byte entry points, for programs built with -fshort-wchar. */
NETAPIBUF_EXPORT int netapibuf_vfwprintf_w16(FILE *stream,
					     const uint16_t *format,
					     va_list ap);
NETAPIBUF_EXPORT int netapibuf_vwprintf_w16(const uint16_t *format,
					    va_list ap);
NETAPIBUF_EXPORT int netapibuf_fwprintf_w16(FILE *stream,
					    const uint16_t *format, ...);
NETAPIBUF_EXPORT int netapibuf_wprintf_w16(const uint16_t *format, ...);

int netapibuf_vfwprintf_w16(FILE *stream, const uint16_t *format, va_list ap)
{
	return vfwprintf_any(stream, format, true, ap);
}

int netapibuf_vwprintf_w16(const uint16_t *format, va_list ap)
{
	return vfwprintf_any(stdout, format, true, ap);
}

int netapibuf_fwprintf_w16(FILE *stream, const uint16_t *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vfwprintf_any(stream, format, true, ap);
	va_end(ap);
	return n;
}

int netapibuf_wprintf_w16(const uint16_t *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vfwprintf_any(stdout, format, true, ap);
	va_end(ap);
	return n;
}
