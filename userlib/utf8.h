/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnetapibuf: the one UTF-8 decoder of the library and of its wmain
 * archive, for text read in the C locale, where glibc decodes nothing
 * beyond ASCII (wprintf.c's narrow arguments, wmain.c's argv).
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUF_UTF8_H
#define NETAPIBUF_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/*
 * One UTF-8 sequence at @s: its length, 0 if invalid.  Overlong forms,
 * surrogates and code points past U+10FFFF are not UTF-8 (RFC 3629):
 * "\xc0\xaf" is no '/', "\xc0\x80" no NUL.  No byte past the first that
 * is not a continuation byte is read, so a terminating NUL stops it.
 */
static inline size_t nab_utf8_decode(const unsigned char *s, wchar_t *wc)
{
	static const uint32_t min[] = { 0, 0x80, 0x800, 0x10000 };
	uint32_t c = s[0];
	int more = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 :
		   c >= 0xc0 ? 1 : -1;
	int i;

	if (more < 0 || c > 0xf4)
		return 0;
	c &= more ? 0x3f >> more : 0x7f;
	for (i = 1; i <= more; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[more] || (c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
		return 0;
	*wc = (wchar_t)c;
	return (size_t)more + 1;
}

#endif /* NETAPIBUF_UTF8_H */
