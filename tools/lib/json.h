/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON strings for the tools' --json output (netapibufctl,
 * netapibuf-query), and the UTF-8 check behind them.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUF_TOOLS_JSON_H
#define NETAPIBUF_TOOLS_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence s starts with, or
 * 0 if it starts with a byte that begins none (or with the NUL).
 */
size_t utf8_len(const char *s);

/*
 * Writes s to out as a JSON string: quotes, backslashes and control
 * characters escaped, and every byte that is not part of well-formed UTF-8
 * written as U+FFFD, so that any C string (an interface or process name
 * the kernel holds, say) gives valid JSON.
 */
void json_string(FILE *out, const char *s);

#endif /* NETAPIBUF_TOOLS_JSON_H */
