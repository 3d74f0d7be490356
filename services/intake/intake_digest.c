/* intake_digest: an attachment's sha256 in intake's case rows. */
#include "intake_digest.h"

#include "ry_pb.h"
#include "ry_z85.h"

#include <stdlib.h>
#include <string.h>

/* Hex is written out too, for the same reason as Z85 (ry_z85):
 * libsodium's constant-time routines cost more than all of a
 * submission's own storing. */
static const char s_digits[] = "0123456789abcdef";

/* A lower-case hex digit's value; -1 for anything else. */
static int
s_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool
intake_digest_pack(const char *hex, char z[INTAKE_DIGEST_Z85 + 1])
{
    if (!hex)
        return false;
    /* Lower-case digits only: upper-case ones would come back changed. A
     * shorter string stops at its NUL, which is no digit. */
    uint8_t bin[RY_Z85_BYTES];
    for (int i = 0; i < RY_Z85_BYTES; i++) {
        int hi = s_nibble(hex[2 * i]);
        if (hi < 0)
            return false;
        int lo = s_nibble(hex[2 * i + 1]);
        if (lo < 0)
            return false;
        bin[i] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[INTAKE_DIGEST_HEX] != '\0')
        return false;
    ry_z85_encode32(bin, z);
    return true;
}

bool
intake_digest_unpack(const char *z, size_t n, char hex[INTAKE_DIGEST_HEX + 1])
{
    uint8_t bin[RY_Z85_BYTES];
    if (n != INTAKE_DIGEST_Z85 || !ry_z85_decode32(z, bin))
        return false;
    for (int i = 0; i < RY_Z85_BYTES; i++) {
        hex[2 * i] = s_digits[bin[i] >> 4];
        hex[2 * i + 1] = s_digits[bin[i] & 15];
    }
    hex[INTAKE_DIGEST_HEX] = '\0';
    return true;
}

bool
intake_digest_pack_app(const Rongyu__Application *app,
                       Rongyu__Application *out, void **scratch)
{
    *scratch = NULL;
    size_t n = app ? app->n_attachments : 0;
    if (!n)
        return false;
    /* One block: the pointers, the copies, their stored forms. */
    typedef struct {
        Rongyu__Attachment at;
        char z[INTAKE_DIGEST_Z85 + 1];
    } s_copy_t;
    Rongyu__Attachment **ptrs = malloc(n * (sizeof *ptrs + sizeof(s_copy_t)));
    if (!ptrs)
        abort();
    s_copy_t *copies = (s_copy_t *)(ptrs + n);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = app->attachments[i];
        if (!intake_digest_pack(app->attachments[i]->sha256, copies[i].z))
            continue;
        copies[i].at = *app->attachments[i];
        copies[i].at.sha256 = copies[i].z;
        ptrs[i] = &copies[i].at;
        any = true;
    }
    if (!any) {
        free(ptrs);
        return false;
    }
    *out = *app;
    out->attachments = ptrs;
    *scratch = ptrs;
    return true;
}

void
intake_digest_restore(Rongyu__Application *app)
{
    for (size_t i = 0; app && i < app->n_attachments; i++) {
        Rongyu__Attachment *at = app->attachments[i];
        char hex[INTAKE_DIGEST_HEX + 1];
        if (at->sha256 &&
            intake_digest_unpack(at->sha256, strlen(at->sha256), hex))
            ry_pb_set_string_in(at, &at->sha256, hex);
    }
}

/* Writes attachment field att (of an application) at out + *at without
 * its digest. Returns 0, or -1 for bytes that do not decode. */
static int
s_attachment_bare(const ry_pb_field_t *att, uint8_t *out, size_t *at)
{
    /* The body goes five bytes on (room for any length), then moves to
     * sit right after its length once that is known. */
    size_t head = *at, body = head + 1 + 5, n = body;
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(att->val, att->vlen, &pos, &f)) == 1) {
        if (f.number == INTAKE_ATT_SHA256)
            continue;
        memcpy(out + n, f.start, f.n);
        n += f.n;
    }
    if (more < 0)
        return -1;
    size_t blen = n - body;
    ry_pb_put_varint(out, at, (uint64_t)INTAKE_APP_ATTACHMENTS << 3 | 2);
    ry_pb_put_varint(out, at, blen);
    memmove(out + *at, out + body, blen);
    *at += blen;
    return 0;
}

uint8_t *
intake_digest_strip_bytes(const uint8_t *data, size_t len, size_t *out_len)
{
    /* One pass, into room enough: nothing grows, and an attachment's
     * body is written 6 bytes on before it moves into place. */
    uint8_t *out = malloc(len + 16);
    if (!out)
        abort();
    size_t pos = 0, at = 0;
    bool any = false;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(data, len, &pos, &f)) == 1) {
        if (f.number == INTAKE_APP_ATTACHMENTS && f.wire == 2) {
            size_t was = at;
            if (s_attachment_bare(&f, out, &at) != 0)
                break;
            any |= at - was != f.n;
            continue;
        }
        memcpy(out + at, f.start, f.n);
        at += f.n;
    }
    if (more != 0 || !any) {
        free(out);
        return NULL;
    }
    *out_len = at;
    return out;
}
