/* text.c - bytes from outside (a configuration file, a state file, the
 * environment) made safe to show: UTF-8 validation, and escaping of
 * everything a terminal could act on (README "Configuration"). */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

size_t cb_utf8_seq(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	size_t len = c >= 0xc2 && c <= 0xdf   ? 2
	             : c >= 0xe0 && c <= 0xef ? 3
	             : c >= 0xf0 && c <= 0xf4 ? 4
	                                      : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

size_t cb_text_escape(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	if (outlen == 0)
		return 0;
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in);
	for (size_t i = 0; i < n;) {
		size_t len = cb_utf8_seq(p + i, n - i);
		/* C0 controls, DEL, and C1 controls (U+0080..U+009F, which
		 * some terminals obey like ESC [) are shown as \xNN. */
		bool control = len == 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7f)) ||
		               (len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0);
		if (!control) {
			if (o + len >= outlen)
				break;
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
			continue;
		}
		size_t k = len ? len : 1;
		if (o + 4 * k >= outlen)
			break;
		for (size_t j = 0; j < k; j++, i++, o += 4)
			snprintf(out + o, 5, "\\x%02x", p[i]);
	}
	out[o] = '\0';
	return o;
}
