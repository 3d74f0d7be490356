/* ry_text: UTF-8 and length checks of decoded input. */
#include "ry_text.h"

#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the well-formed character at p (before end), or 0 when
 * the bytes there are not one (overlong, a surrogate, above U+10FFFF,
 * cut short, or no first byte). */
static size_t
s_char_len(const uint8_t *p, const uint8_t *end)
{
    uint8_t c = *p;
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0)
        n = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        n = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
        n = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

bool
ry_text_utf8_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        if (end - p >= 8) {
            uint64_t eight;
            memcpy(&eight, p, 8);
            if ((eight & 0x8080808080808080ull) == 0) {
                p += 8; /* eight ASCII bytes at once */
                continue;
            }
        }
        uint8_t c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        /* Three bytes, most of a Chinese text: a first byte from E1 to EC
         * or EE to EF with any two continuation bytes is U+1000 to U+CFFF
         * or U+E000 to U+FFFF, never overlong nor a surrogate. */
        if (end - p >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
            ((c >= 0xe1 && c <= 0xec) || c >= 0xee) && c <= 0xef) {
            p += 3;
            continue;
        }
        size_t n = s_char_len(p, end);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

void
ry_text_utf8_scrub(char *s)
{
    uint8_t *r = (uint8_t *)s, *w = r, *end = r + strlen(s);
    while (r < end) {
        size_t n = s_char_len(r, end);
        if (!n) {
            r++; /* a byte that is no character's: dropped */
            continue;
        }
        memmove(w, r, n);
        w += n;
        r += n;
    }
    *w = '\0';
}

/* Where a field is, as a chain up to the request: written out only when
 * the field is refused. */
typedef struct s_path {
    const struct s_path *up;
    const char *name;
    long index; /* -1: not a repeated field */
} s_path_t;

static size_t
s_path_put(const s_path_t *p, char *out, size_t cap)
{
    if (!p)
        return 0;
    size_t n = s_path_put(p->up, out, cap);
    int w = p->index < 0
                ? snprintf(out + n, cap - n, "%s%s", n ? "." : "", p->name)
                : snprintf(out + n, cap - n, "%s%s[%ld]", n ? "." : "",
                           p->name, p->index);
    n += w > 0 ? (size_t)w : 0;
    return n < cap ? n : cap - 1;
}

static int
s_check_string(const char *s, const s_path_t *at, size_t max_len, char *why,
               size_t cap)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    bool long_ = n > max_len;
    if (!long_ && ry_text_utf8_valid(s, n))
        return 0;
    char path[256] = "";
    s_path_put(at, path, sizeof path);
    if (long_)
        snprintf(why, cap,
                 "%s: 为 %zu 字节，至多 %zu 字节。%s: %zu bytes, at most %zu",
                 path, n, max_len, path, n, max_len);
    else
        snprintf(why, cap, "%s: 不是有效的 UTF-8 文本。%s: not valid UTF-8",
                 path, path);
    return -1;
}

static int
s_check(const ProtobufCMessage *msg, const s_path_t *at, size_t max_len,
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
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        size_t count = 1;
        const void *field = base + f->offset;
        if (repeated) {
            count = *(const size_t *)(base + f->quantifier_offset);
            field = *(void *const *)field;
        }
        for (size_t k = 0; k < count; k++) {
            s_path_t sub = {at, f->name, repeated ? (long)k : -1};
            const void *slot =
                repeated ? (const char *)field + k * sizeof(void *) : field;
            const void *v = *(void *const *)slot;
            int rc = f->type == PROTOBUF_C_TYPE_STRING
                         ? s_check_string(v, &sub, max_len, why, cap)
                         : s_check(v, &sub, max_len, why, cap, depth + 1);
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
    return s_check(msg, NULL, max_len, why, cap, 0);
}

size_t
ry_text_id_max(const char *name)
{
    switch (name[0]) {
    case 'a': return strcmp(name, "applicant_org") == 0 ? RY_ORG_ID_MAX : 0;
    case 'c': return strcmp(name, "campaign_id") == 0 ? RY_CAMPAIGN_ID_MAX : 0;
    case 'o':
        return strcmp(name, "org_id") == 0 || strcmp(name, "org") == 0 ||
                       strcmp(name, "organising_unit") == 0
                   ? RY_ORG_ID_MAX
                   : 0;
    case 'p': return strcmp(name, "parent_id") == 0 ? RY_ORG_ID_MAX : 0;
    case 't': return strcmp(name, "topic") == 0 ? RY_ORG_ID_MAX + 1 : 0;
    default: return 0;
    }
}

/* For one message type, the fields a check of fields visits: those that
 * are identifiers (with their bound) or enums, and the messages that may
 * hold one at any depth (with their own plan). Worked out once per type
 * in a process: a request's walk then passes over the few fields that
 * matter, not every field of every message in it. */
typedef struct s_plan {
    const ProtobufCMessageDescriptor *d;
    bool busy; /* being worked out (a type that holds itself) */
    unsigned n;
    struct {
        const ProtobufCFieldDescriptor *f;
        const struct s_plan *sub; /* a message's; NULL otherwise */
        size_t max;               /* a string's bound; 0 for an enum */
    } at[48];
} s_plan_t;

/* The types planned (the protocol has fewer than 128), appended under
 * s_plans_lock and never changed once made. */
static s_plan_t s_plans[128];
static unsigned s_nplans;
static pthread_mutex_t s_plans_lock = PTHREAD_MUTEX_INITIALIZER;

/* The plan of d, made if need be; the caller holds s_plans_lock. */
static const s_plan_t *
s_plan(const ProtobufCMessageDescriptor *d)
{
    for (unsigned i = 0; i < s_nplans; i++)
        if (s_plans[i].d == d)
            return &s_plans[i];
    if (s_nplans == sizeof s_plans / sizeof s_plans[0])
        abort(); /* more message types than the protocol has */
    s_plan_t *p = &s_plans[s_nplans++];
    p->d = d;
    p->busy = true;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const s_plan_t *sub = NULL;
        size_t max = 0;
        if (f->type == PROTOBUF_C_TYPE_STRING)
            max = ry_text_id_max(f->name);
        else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            sub = s_plan(f->descriptor);
        if (!max && !(sub && (sub->n || sub->busy)) &&
            f->type != PROTOBUF_C_TYPE_ENUM)
            continue;
        if (p->n == sizeof p->at / sizeof p->at[0])
            abort(); /* a message with more such fields than planned for */
        p->at[p->n].f = f;
        p->at[p->n].sub = sub;
        p->at[p->n++].max = max;
    }
    p->busy = false;
    return p;
}

typedef struct {
    char *why, *path;
    size_t cap, pcap;
} s_ids_arg_t;

static int
s_ids(const ProtobufCMessage *msg, const s_plan_t *plan, const s_path_t *up,
      const s_ids_arg_t *a, int depth)
{
    if (depth > 32)
        return 0;
    const char *base = (const char *)msg;
    for (unsigned i = 0; i < plan->n; i++) {
        const ProtobufCFieldDescriptor *f = plan->at[i].f;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        size_t count =
            repeated ? *(const size_t *)(base + f->quantifier_offset) : 1;
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            const int *e = (const int *)(base + f->offset);
            if (repeated)
                e = *(const int *const *)e;
            for (size_t k = 0; k < count; k++) {
                const ProtobufCEnumDescriptor *ed = f->descriptor;
                if (protobuf_c_enum_descriptor_get_value(ed, e[k]))
                    continue;
                s_path_t at = {up, f->name, repeated ? (long)k : -1};
                s_path_put(&at, a->path, a->pcap);
                snprintf(a->why, a->cap,
                         "%s: %d 不是 %s 的取值。%s: %d is not a value of %s",
                         a->path, e[k], ed->short_name, a->path, e[k],
                         ed->short_name);
                return -1;
            }
            continue;
        }
        void *const *slot = (void *const *)(base + f->offset);
        if (repeated)
            slot = *(void *const *const *)slot;
        for (size_t k = 0; k < count; k++) {
            const void *v = slot[k];
            s_path_t at = {up, f->name, repeated ? (long)k : -1};
            if (plan->at[i].sub) {
                if (v && s_ids(v, plan->at[i].sub, &at, a, depth + 1))
                    return -1;
                continue;
            }
            size_t max = plan->at[i].max, n;
            if (!v || (n = strlen(v)) <= max)
                continue;
            s_path_put(&at, a->path, a->pcap);
            snprintf(a->why, a->cap,
                     "%s: 为 %zu 字节，至多 %zu 字节。%s: %zu bytes, at "
                     "most %zu",
                     a->path, n, max, a->path, n, max);
            return -1;
        }
    }
    return 0;
}

int
ry_text_check_fields(const ProtobufCMessage *msg, char *why, size_t cap,
                     char *path, size_t pcap)
{
    s_ids_arg_t a = {why, path, cap, pcap};
    /* The last type this thread asked for, without the lock: a service
     * asks for its Request's. */
    static _Thread_local const s_plan_t *last;
    if (!msg)
        return 0;
    if (!last || last->d != msg->descriptor) {
        pthread_mutex_lock(&s_plans_lock);
        last = s_plan(msg->descriptor);
        pthread_mutex_unlock(&s_plans_lock);
    }
    return s_ids(msg, last, NULL, &a, 0);
}

/* A field that holds at most max bytes: 0, or -1 with the reason. */
static int
s_bounded(const char *name, const char *value, size_t max, char *why,
          size_t cap)
{
    size_t n = value ? strlen(value) : 0;
    if (n <= max)
        return 0;
    snprintf(why, cap,
             "%s: 为 %zu 字节，至多 %zu 字节。%s: %zu bytes, at most %zu", name,
             n, max, name, n, max);
    return -1;
}

int
ry_text_idem_key_check(const char *key, char *why, size_t cap)
{
    return s_bounded("idempotency_key", key, RY_IDEM_KEY_MAX, why, cap);
}

int
ry_text_request_id_check(const char *id, char *why, size_t cap)
{
    return s_bounded("request_id", id, RY_REQUEST_ID_MAX, why, cap);
}

int
ry_text_check_request(const ProtobufCMessage *msg, const char *request_id,
                      char *why, size_t cap, char *path, size_t pcap)
{
    if (ry_text_check(msg, RY_TEXT_MAX, why, cap) == 0 &&
        ry_text_request_id_check(request_id, why, cap) == 0)
        return 0;
    /* Each reason starts with the field's path and ": ". */
    const char *colon = strstr(why, ": ");
    size_t n = colon ? (size_t)(colon - why) : 0;
    if (n >= pcap)
        n = 0;
    memcpy(path, why, n);
    path[n] = '\0';
    return -1;
}

const char *
ry_text_request_id_echo(const char *id)
{
    return id && ry_text_utf8_valid(id, strlen(id)) ? id : "";
}

/* Whether byte c continues a character (10xxxxxx). */
static bool
s_continues(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

size_t
ry_text_utf8_fit(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    /* s[max] is the first byte left out: while it continues a character,
     * that character would be cut; a character has at most four bytes. */
    size_t k = max;
    for (int back = 0; k > 0 && back < 3 && s_continues(s[k]); back++)
        k--;
    return s_continues(s[k]) ? max : k;
}
