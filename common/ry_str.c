#include "ry_str.h"

#include "ry_text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

size_t
ry_str_cat(char *buf, size_t size, ...)
{
    va_list ap;
    va_start(ap, size);
    size_t at = 0, end = 0;
    bool cut = size == 0;
    for (const char *s = va_arg(ap, const char *); s;
         s = va_arg(ap, const char *)) {
        size_t n = strlen(s);
        if (!cut) {
            /* Cut on a character: what is kept of a text stays UTF-8. */
            size_t room = size - 1 - end;
            size_t k = n <= room ? n : ry_text_utf8_fit(s, n, room);
            memcpy(buf + end, s, k);
            end += k;
            cut = k < n;
        }
        at += n;
    }
    va_end(ap);
    if (size)
        buf[end] = '\0';
    return at;
}

void
ry_str_hex64(char buf[17], uint64_t n)
{
    for (int i = 15; i >= 0; i--, n >>= 4)
        buf[i] = "0123456789abcdef"[n & 15];
    buf[16] = '\0';
}

size_t
ry_str_key2(char *buf, size_t size, const char *a, size_t amax, const char *b)
{
    size_t la = strnlen(a, amax), lb = strlen(b);
    if (la + 1 + lb >= size) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    memcpy(buf, a, la);
    buf[la] = '\0';
    memcpy(buf + la + 1, b, lb + 1);
    return la + 1 + lb;
}

char *
ry_str_u64(char buf[RY_STR_U64], uint64_t n)
{
    char tmp[RY_STR_U64];
    size_t i = sizeof tmp;
    tmp[--i] = '\0';
    do
        tmp[--i] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    memcpy(buf, tmp + i, sizeof tmp - i);
    return buf;
}
