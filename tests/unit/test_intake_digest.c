/* test_intake_digest: an attachment's sha256 in intake's case rows, 40
 * characters of Z85 instead of 64 hex digits, and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intake_digest.h"
#include "ry_pb.h"

#include <sodium.h>
#include <zmq.h>
#include <stdlib.h>
#include <string.h>

/* The hex digest of bytes 0, 1, ... 31 plus 'seed'. */
static void
s_hex(uint8_t seed, char hex[INTAKE_DIGEST_HEX + 1])
{
    uint8_t b[32];
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)(i * 37 + seed);
    sodium_bin2hex(hex, INTAKE_DIGEST_HEX + 1, b, sizeof b);
}

/* The digest comes back as libsodium writes it, and its stored form is
 * libzmq's Z85 of its bytes: for random digests and the extremes. */
static void
test_every_digest_comes_back(void **state)
{
    (void)state;
    for (int t = 0; t < 2000; t++) {
        uint8_t b[32];
        if (t < 2)
            memset(b, t ? 0xff : 0, sizeof b);
        else
            randombytes_buf(b, sizeof b);
        char hex[INTAKE_DIGEST_HEX + 1], z[INTAKE_DIGEST_Z85 + 1],
            want[INTAKE_DIGEST_Z85 + 1], back[INTAKE_DIGEST_HEX + 1];
        sodium_bin2hex(hex, sizeof hex, b, sizeof b);
        assert_non_null(zmq_z85_encode(want, b, sizeof b));
        assert_true(intake_digest_pack(hex, z));
        assert_string_equal(z, want);
        assert_true(intake_digest_unpack(z, strlen(z), back));
        assert_string_equal(back, hex);
    }
}

static void
test_only_lower_case_hex_of_64_is_packed(void **state)
{
    (void)state;
    char hex[INTAKE_DIGEST_HEX + 1], z[INTAKE_DIGEST_Z85 + 1] = "untouched";
    s_hex(7, hex);
    char upper[INTAKE_DIGEST_HEX + 1];
    memcpy(upper, hex, sizeof upper);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    /* Upper-case digits would come back lower-case: kept as they are. */
    assert_false(intake_digest_pack(upper, z));
    char shorter[INTAKE_DIGEST_HEX];
    memcpy(shorter, hex, INTAKE_DIGEST_HEX - 1);
    shorter[INTAKE_DIGEST_HEX - 1] = '\0';
    assert_false(intake_digest_pack(shorter, z));
    char bad[INTAKE_DIGEST_HEX + 1];
    memcpy(bad, hex, sizeof bad);
    bad[10] = 'g';
    assert_false(intake_digest_pack(bad, z));
    assert_false(intake_digest_pack("", z));
    assert_false(intake_digest_pack(NULL, z));
    assert_string_equal(z, "untouched");
    /* Only 40 characters of Z85 are a stored form. */
    char back[INTAKE_DIGEST_HEX + 1];
    assert_false(intake_digest_unpack(hex, strlen(hex), back));
    assert_false(intake_digest_unpack("abc", 3, back));
    char notz85[INTAKE_DIGEST_Z85 + 1];
    memset(notz85, '"', INTAKE_DIGEST_Z85); /* not in the alphabet */
    assert_false(intake_digest_unpack(notz85, INTAKE_DIGEST_Z85, back));
}

/* An application stored with a packed digest, a hex one (an earlier
 * version's row) and the second again packed, encoded. */
static uint8_t *
s_stored_app(char hex0[INTAKE_DIGEST_HEX + 1], size_t *len)
{
    static char hex1[INTAKE_DIGEST_HEX + 1];
    s_hex(1, hex0);
    s_hex(2, hex1);
    Rongyu__Attachment a0 = RONGYU__ATTACHMENT__INIT, a1 = a0;
    a0.name = (char *)"form.pdf";
    a0.sha256 = hex0;
    a0.size = 614;
    a0.kind = (char *)"application_form";
    /* A name long enough that the attachment's length takes two bytes
     * before and after. */
    static char longname[301];
    memset(longname, 'x', 300);
    a1.name = longname;
    a1.sha256 = hex1;
    Rongyu__Attachment *atts[] = {&a0, &a1};
    Rongyu__Application app = RONGYU__APPLICATION__INIT;
    app.campaign_id = (char *)"hangzhou-2018";
    app.deeds = (char *)"事迹";
    app.n_attachments = 2;
    app.attachments = atts;
    Rongyu__Application stored;
    void *scratch;
    assert_true(intake_digest_pack_app(&app, &stored, &scratch));
    /* The original is untouched; only the first is given packed here. */
    assert_string_equal(a0.sha256, hex0);
    Rongyu__Attachment *mixed[] = {stored.attachments[0], &a1,
                                   stored.attachments[1]};
    stored.attachments = mixed;
    stored.n_attachments = 3;
    uint8_t *buf = ry_pb_pack(&stored.base, len);
    free(scratch);
    return buf;
}

/* What validation is sent: the application with no digest, in either
 * form, and every other field as it was. */
static void
test_application_bytes_go_without_digests(void **state)
{
    (void)state;
    char hex0[INTAKE_DIGEST_HEX + 1];
    size_t len;
    uint8_t *buf = s_stored_app(hex0, &len);
    size_t olen = 0;
    uint8_t *out = intake_digest_strip_bytes(buf, len, &olen);
    assert_non_null(out);
    /* Two stored forms (a field of 42 bytes) and one in hex (66) gone;
     * the long attachment's length still takes two bytes. */
    assert_int_equal(olen, len - 2 * (INTAKE_DIGEST_Z85 + 2) -
                               (INTAKE_DIGEST_HEX + 2));
    Rongyu__Application *a = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, out, olen, 0);
    assert_non_null(a);
    /* The same as the decoded row with its digests emptied. */
    Rongyu__Application *d = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, buf, len, 0);
    assert_non_null(d);
    assert_int_equal(d->n_attachments, 3);
    assert_int_equal(strlen(d->attachments[0]->sha256), INTAKE_DIGEST_Z85);
    assert_int_equal(strlen(d->attachments[1]->sha256), INTAKE_DIGEST_HEX);
    for (size_t i = 0; i < d->n_attachments; i++) {
        assert_string_equal(a->attachments[i]->sha256, "");
        ry_pb_set_string(&d->attachments[i]->sha256, "");
    }
    assert_true(ry_pb_equal(&d->base, &a->base));
    assert_string_equal(a->attachments[0]->name, "form.pdf");
    assert_int_equal(a->attachments[0]->size, 614);
    assert_int_equal(strlen(a->attachments[1]->name), 300);
    assert_string_equal(a->deeds, "事迹");
    /* Packed again, the stripped message gives the same bytes. */
    size_t plen;
    uint8_t *packed = ry_pb_pack(&a->base, &plen);
    assert_int_equal(plen, olen);
    assert_memory_equal(packed, out, olen);
    free(packed);
    ry_pb_free(&d);
    ry_pb_free(&a);
    free(out);
    /* Nothing to leave out: the bytes go as they are. */
    assert_null(intake_digest_strip_bytes(buf, 0, &olen));
    free(buf);
    Rongyu__Attachment none = RONGYU__ATTACHMENT__INIT;
    none.name = (char *)"a.pdf";
    Rongyu__Attachment *one[] = {&none};
    Rongyu__Application plain = RONGYU__APPLICATION__INIT;
    plain.deeds = (char *)"x";
    plain.n_attachments = 1;
    plain.attachments = one;
    buf = ry_pb_pack(&plain.base, &len);
    assert_null(intake_digest_strip_bytes(buf, len, &olen));
    free(buf);
    /* Bytes that are no message are not read further. */
    static const uint8_t junk[] = {0x5a, 0x28, 0x1a};
    assert_null(intake_digest_strip_bytes(junk, sizeof junk, &olen));
    static const uint8_t bad_att[] = {0x5a, 0x02, 0x0a, 0x05};
    assert_null(intake_digest_strip_bytes(bad_att, sizeof bad_att, &olen));
}

/* The field numbers the byte readers look for are the proto's. */
static void
test_field_numbers_are_the_protos(void **state)
{
    (void)state;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(
            &rongyu__application__descriptor, "attachments");
    assert_non_null(f);
    assert_int_equal(f->id, INTAKE_APP_ATTACHMENTS);
    f = protobuf_c_message_descriptor_get_field_by_name(
        &rongyu__attachment__descriptor, "sha256");
    assert_non_null(f);
    assert_int_equal(f->id, INTAKE_ATT_SHA256);
}

static void
test_nothing_to_pack_gives_the_application_itself(void **state)
{
    (void)state;
    Rongyu__Attachment a0 = RONGYU__ATTACHMENT__INIT;
    a0.sha256 = (char *)"not a digest";
    Rongyu__Attachment *atts[] = {&a0};
    Rongyu__Application app = RONGYU__APPLICATION__INIT, out;
    void *scratch = &out;
    assert_false(intake_digest_pack_app(&app, &out, &scratch));
    assert_null(scratch);
    app.n_attachments = 1;
    app.attachments = atts;
    assert_false(intake_digest_pack_app(&app, &out, &scratch));
    assert_null(scratch);
    assert_false(intake_digest_pack_app(NULL, &out, &scratch));
    intake_digest_restore(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_digest_comes_back),
        cmocka_unit_test(test_only_lower_case_hex_of_64_is_packed),
        cmocka_unit_test(test_application_bytes_go_without_digests),
        cmocka_unit_test(test_field_numbers_are_the_protos),
        cmocka_unit_test(test_nothing_to_pack_gives_the_application_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
