#include "printf.h"
#include "serial.h"

#include <stdint.h>

typedef void (*emit_fn)(char c, void *ctx);

struct strbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void emit_serial(char c, void *ctx)
{
	(void)ctx;
	serial_putc(c);
}

static void emit_buf(char c, void *ctx)
{
	struct strbuf *sb = ctx;
	if (sb->len + 1 < sb->size)
		sb->buf[sb->len] = c;
	sb->len++;
}

static int pad(emit_fn emit, void *ctx, char c, int n)
{
	int i;
	for (i = 0; i < n; i++)
		emit(c, ctx);
	return n > 0 ? n : 0;
}

static int format(emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	int count = 0;

	for (; *fmt; fmt++) {
		char digits[12];
		const char *prefix = "";
		const char *s;
		int len, width = 0, left = 0, zero = 0, neg = 0;
		uint32_t u, base = 10;
		int upper = 0;

		if (*fmt != '%') {
			emit(*fmt, ctx);
			count++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'h')
			fmt++;

		switch (*fmt) {
		case 'd':
		case 'i': {
			int32_t v = va_arg(ap, int32_t);
			neg = v < 0;
			u = neg ? 0u - (uint32_t)v : (uint32_t)v;
			break;
		}
		case 'u':
			u = va_arg(ap, uint32_t);
			break;
		case 'X':
			upper = 1;
			/* fall through */
		case 'x':
			u = va_arg(ap, uint32_t);
			base = 16;
			break;
		case 'p':
			u = (uint32_t)(uintptr_t)va_arg(ap, void *);
			base = 16;
			prefix = "0x";
			width = 8;
			zero = 1;
			left = 0;
			break;
		case 'c':
			digits[0] = (char)va_arg(ap, int);
			digits[1] = 0;
			s = digits;
			len = 1;
			goto emit_string;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (len = 0; s[len]; len++)
				;
			goto emit_string;
		case '%':
			emit('%', ctx);
			count++;
			continue;
		case '\0':
			return count;
		default:
			/* Unknown conversion: print it verbatim so the mistake shows. */
			emit('%', ctx);
			emit(*fmt, ctx);
			count += 2;
			continue;
		}

		/* Numeric conversion: digits are produced backwards into digits[]. */
		{
			const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
			int n = 0, i, plen = neg ? 1 : 0;
			do {
				digits[n++] = hex[u % base];
				u /= base;
			} while (u);
			for (s = prefix; *s; s++)
				plen++;
			if (!left && !zero)
				count += pad(emit, ctx, ' ', width - n - plen);
			if (neg)
				emit('-', ctx);
			for (s = prefix; *s; s++)
				emit(*s, ctx);
			if (!left && zero)
				count += pad(emit, ctx, '0', width - n - (neg ? 1 : 0));
			for (i = n - 1; i >= 0; i--)
				emit(digits[i], ctx);
			count += n + plen;
			if (left)
				count += pad(emit, ctx, ' ', width - n - plen);
			continue;
		}

	emit_string:
		if (!left)
			count += pad(emit, ctx, ' ', width - len);
		for (int i = 0; i < len; i++)
			emit(s[i], ctx);
		count += len;
		if (left)
			count += pad(emit, ctx, ' ', width - len);
	}
	return count;
}

int kvprintf(const char *fmt, va_list ap)
{
	return format(emit_serial, 0, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct strbuf sb = { buf, size, 0 };
	int n = format(emit_buf, &sb, fmt, ap);
	if (size > 0)
		buf[sb.len < size ? sb.len : size - 1] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
