/* A small printf for the console (COM1).
 * Conversions: %d %i %u %x %X %s %c %p %%; flags '-' and '0'; a field width
 * (digits or '*'); the length modifiers l and h are accepted and ignored
 * (everything is 32-bit). %p prints 0x followed by 8 hex digits. */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0); returns the length
 * the full output would have had. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
