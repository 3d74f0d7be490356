/* ry_json: the JSON form of the rongyu messages, driven by the protobuf-c
 * descriptors so that a field added to rongyu.proto needs no code here. */
#include "ry_json.h"

#include "ry_error.h"
#include "ry_text.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Real numbers are written with 15 significant digits: every decimal a
 * person typed (a percentage, a score) comes back exactly, and 92.3 is
 * not printed as 92.299999999999997. */
#define S_REAL_DIGITS 15

typedef struct {
    const char *source;   /* names the document in messages */
    const char *base_dir; /* anchors relative attachment paths, or NULL */
    bool confine;         /* attachments only under base_dir or allow */
    const char *const *allow; /* more directories they may come from */
    ry_json_error_t *err; /* may be NULL */
    char path[256];       /* JSON path of the value being decoded */
    size_t plen;
} s_ctx_t;

/* True when 'file' resolves (symbolic links followed) to a path inside
 * 'dir' or one of 'allow'. */
static bool
s_inside(const char *file, const char *dir, const char *const *allow)
{
    char real[PATH_MAX], root[PATH_MAX];
    if (!realpath(file, real))
        return true; /* missing: reading it fails with its own message */
    for (int i = -1; i < 0 || (allow && allow[i]); i++) {
        const char *d = i < 0 ? dir : allow[i];
        if (!d || !realpath(d, root))
            continue;
        size_t n = strlen(root);
        if (strncmp(real, root, n) == 0 &&
            (real[n] == '/' || (n == 1 && root[0] == '/')))
            return true;
    }
    return false;
}

static void *
s_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *
s_strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = s_malloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* ------------------------------------------------------------ errors */

static int s_fail(s_ctx_t *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error with the current path; returns rc. */
static int
s_fail(s_ctx_t *c, int rc, const char *fmt, ...)
{
    if (!c->err || c->err->text[0] != '\0')
        return rc;
    char msg[560];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err->path, sizeof c->err->path, "%s", c->path);
    snprintf(c->err->text, sizeof c->err->text, "%.200s: %.250s%s%s", c->source,
             c->path, c->path[0] ? ": " : "", msg);
    /* Shown and put in JSON, which takes UTF-8 only: a part cut inside a
     * character loses that character. */
    ry_text_utf8_scrub(c->err->path);
    ry_text_utf8_scrub(c->err->text);
    return rc;
}

static size_t
s_push_key(s_ctx_t *c, const char *key)
{
    size_t old = c->plen;
    int n = snprintf(c->path + old, sizeof c->path - old, "%s%s",
                     old ? "." : "", key);
    if (n > 0)
        c->plen = old + (size_t)n < sizeof c->path ? old + (size_t)n
                                                   : sizeof c->path - 1;
    return old;
}

static size_t
s_push_index(s_ctx_t *c, size_t i)
{
    size_t old = c->plen;
    int n = snprintf(c->path + old, sizeof c->path - old, "[%zu]", i);
    if (n > 0)
        c->plen = old + (size_t)n < sizeof c->path ? old + (size_t)n
                                                   : sizeof c->path - 1;
    return old;
}

static void
s_pop(s_ctx_t *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

static const char *
s_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* ------------------------------------------------------------ enums */

static int
s_enum_upper(const ProtobufCEnumDescriptor *d)
{
    return d == &rongyu__error_code__descriptor;
}

const char *
ry_json_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf,
                  size_t len)
{
    if (!d || !buf)
        return NULL;
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d,
                                                                      value);
    if (!v)
        return NULL;
    size_t n = strlen(v->name);
    if (n >= len)
        return NULL;
    int upper = s_enum_upper(d);
    for (size_t i = 0; i <= n; i++)
        buf[i] = upper ? v->name[i]
                       : (char)tolower((unsigned char)v->name[i]);
    return buf;
}

int
ry_json_enum_value(const ProtobufCEnumDescriptor *d, const char *name,
                   int *value)
{
    if (!d || !name || !value)
        return RY_EINVAL;
    for (unsigned i = 0; i < d->n_values; i++) {
        char buf[128];
        if (ry_json_enum_name(d, d->values[i].value, buf, sizeof buf) &&
            strcmp(buf, name) == 0) {
            *value = d->values[i].value;
            return 0;
        }
    }
    return RY_EINVAL;
}

/* Lists an enum's names (without the *_unspecified ones) for a message. */
static void
s_enum_list(const ProtobufCEnumDescriptor *d, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < d->n_values; i++) {
        char buf[128];
        if (d->values[i].value == 0 ||
            !ry_json_enum_name(d, d->values[i].value, buf, sizeof buf))
            continue;
        int n = snprintf(out + used, len - used, "%s%s", used ? ", " : "",
                         buf);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

/* Lists a message's field names for an unknown-key message. */
static void
s_field_list(const ProtobufCMessageDescriptor *d, const char *extra,
             char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < d->n_fields; i++) {
        int n = snprintf(out + used, len - used, "%s%s", used ? ", " : "",
                         d->fields[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
    if (extra)
        snprintf(out + used, len - used, ", %s", extra);
}

/* ------------------------------------------------------------ decoding */

static int s_decode_message(s_ctx_t *c, json_t *j,
                            const ProtobufCMessageDescriptor *d,
                            ProtobufCMessage **out);

static ProtobufCMessage *
s_new_message(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = s_malloc(d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

static size_t
s_type_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM: return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    }
    return 0;
}

static int
s_get_uint(s_ctx_t *c, const json_t *v, uint64_t max, uint64_t *out)
{
    if (!json_is_integer(v))
        return s_fail(c, RY_EINVAL, "expected a non-negative integer, got %s",
                      s_type_name(v));
    json_int_t x = json_integer_value(v);
    if (x < 0)
        return s_fail(c, RY_EINVAL,
                      "expected a non-negative integer, got %lld",
                      (long long)x);
    if ((uint64_t)x > max)
        return s_fail(c, RY_EINVAL, "%lld is too large (at most %llu)",
                      (long long)x, (unsigned long long)max);
    *out = (uint64_t)x;
    return 0;
}

static int
s_get_int(s_ctx_t *c, const json_t *v, int64_t min, int64_t max,
          int64_t *out)
{
    if (!json_is_integer(v))
        return s_fail(c, RY_EINVAL, "expected an integer, got %s",
                      s_type_name(v));
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return s_fail(c, RY_EINVAL, "%lld is out of range [%lld, %lld]",
                      (long long)x, (long long)min, (long long)max);
    *out = x;
    return 0;
}

/* Decodes one value of field f's type into *p (not a repeated array). */
static int
s_decode_value(s_ctx_t *c, json_t *v, const ProtobufCFieldDescriptor *f,
               void *p)
{
    uint64_t u;
    int64_t i;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(v))
            return s_fail(c, RY_EINVAL, "expected a string, got %s",
                          s_type_name(v));
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v))
            return s_fail(c, RY_EINVAL, "a string must not contain NUL");
        *(char **)p = s_strdup(s);
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(v))
            return s_fail(c, RY_EINVAL, "expected base64 text, got %s",
                          s_type_name(v));
        size_t n = json_string_length(v), got = 0;
        unsigned char *buf = s_malloc(n / 4 * 3 + 3);
        if (sodium_base642bin(buf, n / 4 * 3 + 3, json_string_value(v), n,
                              " \t\r\n", &got, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            free(buf);
            return s_fail(c, RY_EINVAL, "expected base64 text");
        }
        ProtobufCBinaryData *b = p;
        if (got == 0) {
            free(buf);
            buf = NULL;
        }
        b->data = buf;
        b->len = got;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return s_fail(c, RY_EINVAL, "expected true or false, got %s",
                          s_type_name(v));
        *(protobuf_c_boolean *)p = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (s_get_int(c, v, INT32_MIN, INT32_MAX, &i))
            return RY_EINVAL;
        *(int32_t *)p = (int32_t)i;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (s_get_int(c, v, INT64_MIN, INT64_MAX, &i))
            return RY_EINVAL;
        *(int64_t *)p = i;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (s_get_uint(c, v, UINT32_MAX, &u))
            return RY_EINVAL;
        *(uint32_t *)p = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (s_get_uint(c, v, UINT64_MAX, &u))
            return RY_EINVAL;
        *(uint64_t *)p = u;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number(v))
            return s_fail(c, RY_EINVAL, "expected a number, got %s",
                          s_type_name(v));
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)p = (float)json_number_value(v);
        else
            *(double *)p = json_number_value(v);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        int val;
        if (!json_is_string(v) ||
            ry_json_enum_value(ed, json_string_value(v), &val) != 0) {
            char names[400];
            s_enum_list(ed, names, sizeof names);
            if (json_is_string(v))
                return s_fail(c, RY_EINVAL, "unknown value \"%.80s\"; "
                              "expected one of: %s",
                              json_string_value(v), names);
            return s_fail(c, RY_EINVAL, "expected one of: %s; got %s", names,
                          s_type_name(v));
        }
        *(int *)p = val;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        return s_decode_message(c, v, f->descriptor, (ProtobufCMessage **)p);
    }
    return s_fail(c, RY_EINVAL, "unsupported field type");
}

static const ProtobufCFieldDescriptor *
s_field_by_id(const ProtobufCMessageDescriptor *d, uint32_t id)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].id == id)
            return &d->fields[i];
    return NULL;
}

/* Decodes field f of message m from v (null: leave the default). */
static int
s_decode_field(s_ctx_t *c, json_t *v, const ProtobufCMessageDescriptor *d,
               const ProtobufCFieldDescriptor *f, ProtobufCMessage *m)
{
    char *base = (char *)m;
    void *p = base + f->offset;
    if (json_is_null(v))
        return 0;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (!json_is_array(v))
            return s_fail(c, RY_EINVAL, "expected an array, got %s",
                          s_type_name(v));
        size_t n = json_array_size(v), esz = s_type_size(f->type);
        size_t *count = (size_t *)(base + f->quantifier_offset);
        if (n == 0)
            return 0;
        char *arr = s_malloc(n * esz);
        memset(arr, 0, n * esz);
        *(void **)p = arr;
        *count = 0;
        for (size_t k = 0; k < n; k++) {
            json_t *e = json_array_get(v, k);
            size_t old = s_push_index(c, k);
            int rc = json_is_null(e)
                         ? s_fail(c, RY_EINVAL, "null is not allowed here")
                         : s_decode_value(c, e, f, arr + k * esz);
            s_pop(c, old);
            if (rc)
                return rc;
            (*count)++; /* only filled elements are freed on failure */
        }
        return 0;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = (uint32_t *)(base + f->quantifier_offset);
        if (*which != 0 && *which != f->id) {
            const ProtobufCFieldDescriptor *o = s_field_by_id(d, *which);
            return s_fail(c, RY_EINVAL, "give either %s or %s, not both",
                          o ? o->name : "?", f->name);
        }
        int rc = s_decode_value(c, v, f, p);
        if (rc == 0)
            *which = f->id;
        return rc;
    }
    int rc = s_decode_value(c, v, f, p);
    if (rc == 0 && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
        f->quantifier_offset && f->type != PROTOBUF_C_TYPE_MESSAGE &&
        f->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
    return rc;
}

/* Decodes every key of object j into m; 'skip' is a key handled by the
 * caller. */
static int
s_decode_fields(s_ctx_t *c, json_t *j, const ProtobufCMessageDescriptor *d,
                ProtobufCMessage *m, const char *skip)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (strcmp(key, "_comment") == 0 || (skip && strcmp(key, skip) == 0))
            continue;
        size_t old = s_push_key(c, key);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, key);
        int rc;
        if (f) {
            rc = s_decode_field(c, v, d, f, m);
        } else {
            char names[600];
            s_field_list(d, skip, names, sizeof names);
            rc = s_fail(c, RY_EINVAL, "unknown key; expected one of: %s",
                        names);
        }
        s_pop(c, old);
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_decode_rate(s_ctx_t *c, json_t *j, Rongyu__Rate *r)
{
    if (json_is_number(j)) {
        r->value_case = RONGYU__RATE__VALUE_PERCENT;
        r->percent = json_number_value(j);
        return 0;
    }
    if (!json_is_object(j))
        return s_fail(c, RY_EINVAL,
                      "expected number or {num,den}, got %s",
                      s_type_name(j));
    if (!json_object_get(j, "num") || !json_object_get(j, "den"))
        return s_fail(c, RY_EINVAL,
                      "expected number or {num,den}: give both num and den");
    ProtobufCMessage *ratio;
    int rc = s_decode_message(c, j, &rongyu__ratio__descriptor, &ratio);
    if (rc)
        return rc;
    r->value_case = RONGYU__RATE__VALUE_COUNTS;
    r->counts = (Rongyu__Ratio *)ratio;
    return 0;
}

/* Reads a whole regular file of at most RY_JSON_MAX_ATTACHMENT bytes. */
static int
s_read_file(s_ctx_t *c, const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return s_fail(c, RY_EIO, "cannot open '%s': %s", path,
                      strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return s_fail(c, RY_EIO, "'%s' is not a regular file", path);
    }
    if ((uint64_t)st.st_size > RY_JSON_MAX_ATTACHMENT) {
        close(fd);
        return s_fail(c, RY_ETOOBIG, "'%s' is %lld bytes, over the %u-byte "
                      "limit", path, (long long)st.st_size,
                      RY_JSON_MAX_ATTACHMENT);
    }
    size_t cap = (size_t)st.st_size, got = 0;
    uint8_t *buf = s_malloc(cap);
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return s_fail(c, RY_EIO, "cannot read '%s': %s", path,
                          strerror(e));
        }
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

static void
s_sha256_hex(const uint8_t *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static int
s_check_kind(s_ctx_t *c, const Rongyu__Attachment *a)
{
    static const char *kinds[] = {"application_form", "deeds", "other"};
    if (!a->kind || a->kind[0] == '\0')
        return 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (strcmp(a->kind, kinds[k]) == 0)
            return 0;
    size_t old = s_push_key(c, "kind");
    int rc = s_fail(c, RY_EINVAL, "unknown value \"%.80s\"; expected one "
                    "of: application_form, deeds, other", a->kind);
    s_pop(c, old);
    return rc;
}

/* An attachment: the proto fields, or {"path", "kind"} naming a file. */
static int
s_decode_attachment(s_ctx_t *c, json_t *j, Rongyu__Attachment *a)
{
    int rc = s_decode_fields(c, j, &rongyu__attachment__descriptor,
                             &a->base, "path");
    if (rc == 0)
        rc = s_check_kind(c, a);
    json_t *jp = json_object_get(j, "path");
    if (rc || !jp || json_is_null(jp))
        return rc;
    size_t old = s_push_key(c, "path");
    if (!json_is_string(jp) || json_string_value(jp)[0] == '\0') {
        rc = s_fail(c, RY_EINVAL, "expected a file name relative to the "
                    "JSON file, got %s", s_type_name(jp));
        goto done;
    }
    if (a->content.len) {
        rc = s_fail(c, RY_EINVAL, "give either path or content, not both");
        goto done;
    }
    const char *rel = json_string_value(jp);
    char full[4096];
    if (rel[0] == '/' || !c->base_dir || c->base_dir[0] == '\0')
        snprintf(full, sizeof full, "%s", rel);
    else
        snprintf(full, sizeof full, "%s/%s", c->base_dir, rel);
    if (c->confine && !s_inside(full, c->base_dir, c->allow)) {
        rc = s_fail(c, RY_EINVAL,
                    "'%s' is outside the application file's folder; "
                    "attachments are read only from there (an operator may "
                    "allow another folder with --allow-path DIR)",
                    rel);
        goto done;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    rc = s_read_file(c, full, &data, &len);
    if (rc)
        goto done;
    char hex[65];
    s_sha256_hex(data, len, hex);
    if (a->sha256[0] && strcmp(a->sha256, hex) != 0) {
        free(data);
        rc = s_fail(c, RY_EINVAL, "sha256 given (%.64s) does not match "
                    "'%s' (%s)", a->sha256, full, hex);
        goto done;
    }
    if (a->size && a->size != len) {
        free(data);
        rc = s_fail(c, RY_EINVAL, "size given (%llu) does not match '%s' "
                    "(%zu bytes)", (unsigned long long)a->size, full, len);
        goto done;
    }
    if (a->name[0] == '\0') {
        const char *slash = strrchr(rel, '/');
        a->name = s_strdup(slash ? slash + 1 : rel);
    }
    if (a->sha256[0] == '\0')
        a->sha256 = s_strdup(hex);
    a->size = len;
    if (len) {
        a->content.data = data;
        a->content.len = len;
    } else {
        free(data);
    }
done:
    s_pop(c, old);
    return rc;
}

/* Decodes j as a message of d; on success *out is the caller's. */
static int
s_decode_message(s_ctx_t *c, json_t *j, const ProtobufCMessageDescriptor *d,
                 ProtobufCMessage **out)
{
    ProtobufCMessage *m = s_new_message(d);
    int rc;
    if (d == &rongyu__rate__descriptor) {
        rc = s_decode_rate(c, j, (Rongyu__Rate *)m);
    } else if (d == &rongyu__score__descriptor) {
        if (json_is_number(j)) {
            ((Rongyu__Score *)m)->value = json_number_value(j);
            rc = 0;
        } else {
            rc = s_fail(c, RY_EINVAL, "expected a number, got %s",
                        s_type_name(j));
        }
    } else if (!json_is_object(j)) {
        rc = s_fail(c, RY_EINVAL, "expected an object, got %s",
                    s_type_name(j));
    } else if (d == &rongyu__attachment__descriptor) {
        rc = s_decode_attachment(c, j, (Rongyu__Attachment *)m);
    } else {
        rc = s_decode_fields(c, j, d, m, NULL);
    }
    if (rc) {
        protobuf_c_message_free_unpacked(m, NULL);
        return rc;
    }
    *out = m;
    return 0;
}

static int
s_syntax_error(ry_json_error_t *err, const char *source,
               const json_error_t *je)
{
    if (err) {
        err->line = je->line > 0 ? je->line : 0;
        err->column = je->column > 0 ? je->column : 0;
        err->path[0] = '\0';
        snprintf(err->text, sizeof err->text,
                 "%.300s:%d:%d: not valid JSON: %.300s", source, err->line,
                 err->column, je->text);
        ry_text_utf8_scrub(err->text);
    }
    return RY_EMALFORMED;
}

static int
s_from_ctx(json_t *root, s_ctx_t *c, Rongyu__Application **out)
{
    ProtobufCMessage *m;
    int rc = s_decode_message(c, root, &rongyu__application__descriptor, &m);
    if (rc == 0)
        *out = (Rongyu__Application *)m;
    return rc;
}

static int
s_from_root(json_t *root, const char *base_dir, const char *source,
            Rongyu__Application **out, ry_json_error_t *err)
{
    s_ctx_t c = {.source = source, .base_dir = base_dir, .err = err};
    return s_from_ctx(root, &c, out);
}

int
ry_json_application_parse(const char *text, size_t len, const char *base_dir,
                          const char *source, Rongyu__Application **out,
                          ry_json_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!source)
        source = "<input>";
    if (!text || !out) {
        if (err)
            snprintf(err->text, sizeof err->text, "%s: no input", source);
        return RY_EINVAL;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return s_syntax_error(err, source, &je);
    int rc = s_from_root(root, base_dir, source, out, err);
    json_decref(root);
    return rc;
}

int
ry_json_application_load(const char *path, Rongyu__Application **out,
                         ry_json_error_t *err)
{
    return ry_json_application_load_allow(path, NULL, out, err);
}

int
ry_json_application_load_allow(const char *path, const char *const *allow,
                               Rongyu__Application **out,
                               ry_json_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!path || !out) {
        if (err)
            snprintf(err->text, sizeof err->text, "no file given");
        return RY_EINVAL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (err) {
            snprintf(err->text, sizeof err->text, "cannot open '%.900s': %s",
                     path, strerror(errno));
            ry_text_utf8_scrub(err->text);
        }
        return RY_EIO;
    }
    json_error_t je;
    json_t *root = json_loadf(fp, JSON_REJECT_DUPLICATES, &je);
    int read_failed = ferror(fp);
    fclose(fp);
    if (!root) {
        if (read_failed) {
            if (err) {
                snprintf(err->text, sizeof err->text, "cannot read '%.900s'",
                         path);
                ry_text_utf8_scrub(err->text);
            }
            return RY_EIO;
        }
        return s_syntax_error(err, path, &je);
    }
    char *dir = s_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    s_ctx_t c = {.source = path, .base_dir = dir, .confine = true,
                 .allow = allow, .err = err};
    int rc = s_from_ctx(root, &c, out);
    free(dir);
    json_decref(root);
    return rc;
}

void
ry_json_application_free(Rongyu__Application **app_p)
{
    if (!app_p || !*app_p)
        return;
    rongyu__application__free_unpacked(*app_p, NULL);
    *app_p = NULL;
}

/* ------------------------------------------------------------ encoding */

static json_t *s_encode_message(const ProtobufCMessage *m, unsigned flags);

/* A JSON string of s; bytes that are not UTF-8 become '?', so a bad
 * string from a peer cannot make the whole document unprintable. */
static json_t *
s_string(const char *s)
{
    if (!s)
        s = "";
    json_t *v = json_string(s);
    if (v)
        return v;
    char *copy = s_strdup(s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    v = json_string(copy);
    free(copy);
    return v;
}

static json_t *
s_real(double d)
{
    return isfinite(d) ? json_real(d) : json_null();
}

/* Encodes one value of field f at p; NULL means "leave the key out". */
static json_t *
s_encode_value(const ProtobufCFieldDescriptor *f, const void *p,
               unsigned flags)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return s_string(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        size_t n = sodium_base64_encoded_len(b->len,
                                             sodium_base64_VARIANT_ORIGINAL);
        char *txt = s_malloc(n);
        sodium_bin2base64(txt, n, b->data ? b->data : (const uint8_t *)"",
                          b->len, sodium_base64_VARIANT_ORIGINAL);
        json_t *v = json_string(txt);
        free(txt);
        return v;
    }
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t u = *(const uint64_t *)p;
        if (u <= (uint64_t)LLONG_MAX)
            return json_integer((json_int_t)u);
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
        return json_string(buf);
    }
    case PROTOBUF_C_TYPE_FLOAT:
        return s_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return s_real(*(const double *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        char buf[128];
        int val = *(const int *)p;
        if (ry_json_enum_name(f->descriptor, val, buf, sizeof buf))
            return json_string(buf);
        return json_integer(val);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? s_encode_message(sub, flags) : NULL;
    }
    }
    return NULL;
}

static json_t *
s_encode_message(const ProtobufCMessage *m, unsigned flags)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (d == &rongyu__rate__descriptor) {
        const Rongyu__Rate *r = (const Rongyu__Rate *)m;
        if (r->value_case == RONGYU__RATE__VALUE_PERCENT)
            return s_real(r->percent);
        if (r->value_case == RONGYU__RATE__VALUE_COUNTS && r->counts)
            return s_encode_message(&r->counts->base, flags);
        return json_null();
    }
    if (d == &rongyu__score__descriptor)
        return s_real(((const Rongyu__Score *)m)->value);

    const char *base = (const char *)m;
    json_t *obj = json_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = base + f->offset;
        if (f->type == PROTOBUF_C_TYPE_BYTES && !(flags & RY_JSON_CONTENT))
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
            !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            f->type != PROTOBUF_C_TYPE_MESSAGE &&
            f->type != PROTOBUF_C_TYPE_STRING &&
            !*(const protobuf_c_boolean *)(base + f->quantifier_offset))
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)p;
            size_t esz = s_type_size(f->type);
            json_t *a = json_array();
            for (size_t k = 0; k < n && arr; k++) {
                json_t *v = s_encode_value(f, arr + k * esz, flags);
                json_array_append_new(a, v ? v : json_null());
            }
            json_object_set_new(obj, f->name, a);
            continue;
        }
        json_t *v = s_encode_value(f, p, flags);
        if (v)
            json_object_set_new(obj, f->name, v);
    }
    return obj;
}

int
ry_json_message_to_string(const ProtobufCMessage *msg, unsigned flags,
                          char **out)
{
    if (!msg || !out)
        return RY_EINVAL;
    json_t *v = s_encode_message(msg, flags);
    size_t fmt = JSON_REAL_PRECISION(S_REAL_DIGITS) | JSON_ENCODE_ANY;
    fmt |= (flags & RY_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
    char *s = json_dumps(v, fmt);
    json_decref(v);
    if (!s)
        abort(); /* only out of memory: every value built above is valid */
    *out = s;
    return 0;
}

int
ry_json_application_to_string(const Rongyu__Application *app, unsigned flags,
                              char **out)
{
    return ry_json_message_to_string(app ? &app->base : NULL, flags, out);
}

int
ry_json_case_to_string(const Rongyu__Case *c, unsigned flags, char **out)
{
    return ry_json_message_to_string(c ? &c->base : NULL, flags, out);
}

int
ry_json_verdict_to_string(const Rongyu__Verdict *v, unsigned flags,
                          char **out)
{
    return ry_json_message_to_string(v ? &v->base : NULL, flags, out);
}

int
ry_json_audit_entry_to_string(const Rongyu__AuditEntry *a, unsigned flags,
                              char **out)
{
    return ry_json_message_to_string(a ? &a->base : NULL, flags, out);
}

int
ry_json_case_reply_to_string(const Rongyu__CaseReply *r, unsigned flags,
                             char **out)
{
    return ry_json_message_to_string(r ? &r->base : NULL, flags, out);
}

int
ry_json_reply_to_string(const Rongyu__Reply *r, unsigned flags, char **out)
{
    return ry_json_message_to_string(r ? &r->base : NULL, flags, out);
}

int
ry_json_status_reply_to_string(const Rongyu__StatusReply *s, unsigned flags,
                               char **out)
{
    return ry_json_message_to_string(s ? &s->base : NULL, flags, out);
}
