/* ry_text: UTF-8 and length checks of decoded input. */
#include "ry_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool
ry_text_utf8_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        uint8_t c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0)
            n = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            n = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            n = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if ((size_t)(end - p) < n)
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n;
    }
    return true;
}

static int
s_check_string(const char *s, const char *path, size_t max_len, char *why,
               size_t cap)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (n > max_len) {
        snprintf(why, cap, "%s: %zu bytes, at most %zu", path, n, max_len);
        return -1;
    }
    if (!ry_text_utf8_valid(s, n)) {
        snprintf(why, cap, "%s: not valid UTF-8", path);
        return -1;
    }
    return 0;
}

static int
s_check(const ProtobufCMessage *msg, const char *path, size_t max_len,
        char *why, size_t cap, int depth)
{
    if (!msg || depth > 32)
        return 0;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING &&
            f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *)msg;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
            if (which != f->id)
                continue;
        }
        char sub[256];
        size_t count = 1;
        const void *field = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            count = *(const size_t *)(base + f->quantifier_offset);
            field = *(void *const *)field;
        }
        for (size_t k = 0; k < count; k++) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED)
                snprintf(sub, sizeof sub, "%s%s%s[%zu]", path, *path ? "." : "",
                         f->name, k);
            else
                snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
                         f->name);
            const void *slot = f->label == PROTOBUF_C_LABEL_REPEATED
                                   ? (const char *)field + k * sizeof(void *)
                                   : field;
            const void *v = *(void *const *)slot;
            int rc = f->type == PROTOBUF_C_TYPE_STRING
                         ? s_check_string(v, sub, max_len, why, cap)
                         : s_check(v, sub, max_len, why, cap, depth + 1);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int
ry_text_check(const ProtobufCMessage *msg, size_t max_len, char *why,
              size_t cap)
{
    return s_check(msg, "", max_len, why, cap, 0);
}

int
ry_text_idem_key_check(const char *key, char *why, size_t cap)
{
    size_t n = key ? strlen(key) : 0;
    if (n <= RY_IDEM_KEY_MAX)
        return 0;
    snprintf(why, cap, "idempotency_key: %zu bytes, at most %d", n,
             RY_IDEM_KEY_MAX);
    return -1;
}
