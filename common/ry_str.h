/* ry_str: short strings (ids, keys) put together without printf, whose
 * parsing of a format cost more than the rest of some hot paths. */
#ifndef RY_STR_H
#define RY_STR_H

#include <stddef.h>
#include <stdint.h>

/* Room for any uint64_t in decimal, with its NUL. */
#define RY_STR_U64 21

/* Writes the strings given, up to a NULL, one after another into buf
 * (size bytes), always NUL-terminated when size > 0; like snprintf, what
 * does not fit is cut off (on a character of UTF-8 text, never inside
 * one), and the length the whole would have had is returned. A NULL buf
 * with size 0 only counts. */
size_t ry_str_cat(char *buf, size_t size, ...);

/* n in decimal in buf; returns buf. */
char *ry_str_u64(char buf[RY_STR_U64], uint64_t n);

/* n as 16 lower-case hex digits, with leading zeros, and a NUL, in buf. */
void ry_str_hex64(char buf[17], uint64_t n);

/* A key of two parts: a (at most amax bytes of it), a NUL, b, and a NUL
 * after it, in buf. Returns the key's length without that last NUL, or 0
 * (buf empty) when the whole does not fit in size bytes. */
size_t ry_str_key2(char *buf, size_t size, const char *a, size_t amax,
                   const char *b);

#endif
