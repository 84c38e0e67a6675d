#include "cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *mb_cmdline(const struct multiboot_info *mbi)
{
	if (mbi && (mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline)
		return (const char *)(uintptr_t)mbi->cmdline;
	return "";
}

bool cmdline_get(const char *p, const char *key, char *buf, size_t size)
{
	while (*p) {
		const char *k = key;
		const char *w;

		while (is_space(*p))
			p++;
		w = p;
		while (*k && *w == *k) {
			w++;
			k++;
		}
		if (!*k && (*w == '=' || is_space(*w) || !*w)) {
			size_t n = 0;
			if (*w == '=')
				w++;
			while (*w && !is_space(*w)) {
				if (n + 1 < size)
					buf[n++] = *w;
				w++;
			}
			if (size)
				buf[n] = '\0';
			return true;
		}
		while (*p && !is_space(*p))
			p++;
	}
	return false;
}

uint32_t cmdline_get_u32(const char *cmdline, const char *key, uint32_t def)
{
	char buf[24];
	const char *s = buf;
	uint32_t v = 0, base = 10;

	if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || !buf[0])
		return def;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return def;
	}
	for (; *s; s++) {
		uint32_t d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return def;
		v = v * base + d;
	}
	return v;
}
