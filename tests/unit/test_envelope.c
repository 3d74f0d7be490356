/* ry_envelope: an Envelope read in place gives what protobuf-c's decoder
 * gives, and refuses what it refuses (and tags that decoder reads by
 * dropping bits): every field of a whole envelope, a batch's items in
 * order, long strings and strings with a NUL byte, many tiny items (no
 * cap needed: nothing is copied), a StoreStats met twice (merged as the
 * encoding defines, where protobuf-c 1.4.1 drops the first one's numbers:
 * only that it is read is compared); and thousands of envelopes damaged at
 * random (bytes changed, cut, a field of another wire type or unknown
 * added) decoded both ways and compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rongyu_services.pb-c.h"
#include "ry_envelope.h"
#include "ry_pb.h"

#include <stdlib.h>
#include <string.h>

/* Whether ry_pb_next refuses some tag of data (its walk fails). */
static bool
s_walk_fails(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    ry_pb_field_t f;
    int rc;
    while ((rc = ry_pb_next(data, len, &pos, &f)) == 1)
        ;
    return rc < 0;
}

/* Asserts that ry_envelope_read and ry_pb_unpack agree on data: both
 * refuse it, or both read the same fields; or only ry_envelope refuses
 * it, for a tag ry_pb_next refuses. Returns whether it was read. */
static bool
s_agree(const uint8_t *data, size_t len, bool one_store)
{
    /* Without ry_pb_unpack's cap on allocation, which this reader does
     * not need. */
    Rongyu__Envelope *d = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, data, len, (size_t)1 << 30);
    ry_envelope_t e;
    int rc = ry_envelope_read(&e, data, len);
    if (rc != 0 && d != NULL) {
        assert_true(s_walk_fails(data, len));
        ry_pb_free(&d);
        return false;
    }
    assert_int_equal(rc == 0, d != NULL);
    if (!d)
        return false;
    assert_int_equal(e.kind, d->kind);
    assert_string_equal(e.sender_id, d->sender_id);
    assert_true(e.link_seq == d->link_seq);
    assert_true(e.ack_seq == d->ack_seq);
    assert_string_equal(e.correlation_id, d->correlation_id);
    assert_int_equal(e.schema_version, d->schema_version);
    assert_int_equal(e.type, d->type);
    assert_int_equal(e.payload_len, d->payload.len);
    if (d->payload.len)
        assert_memory_equal(e.payload, d->payload.data, d->payload.len);
    assert_string_equal(e.reason, d->reason);
    assert_int_equal(e.n_items, d->n_items);
    size_t at = 0, ilen, i = 0;
    const uint8_t *it;
    while (ry_envelope_item(&e, &at, &it, &ilen)) {
        assert_true(i < d->n_items);
        assert_int_equal(ilen, d->items[i].len);
        if (ilen)
            assert_memory_equal(it, d->items[i].data, ilen);
        i++;
    }
    assert_int_equal(i, d->n_items);
    assert_int_equal(e.store != NULL, d->store != NULL);
    if (d->store && one_store)
        assert_true(ry_pb_equal(&e.store->base, &d->store->base));
    ry_envelope_release(&e);
    ry_pb_free(&d);
    return true;
}

/* An envelope with every field set; its bytes, to free. */
static uint8_t *
s_whole(size_t *len, const char *corr, size_t n_items)
{
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    Rongyu__StoreStats st = RONGYU__STORE_STATS__INIT;
    st.service = (char *)"validation";
    st.commits = 17;
    st.used_bytes = 1 << 20;
    e.kind = RONGYU__ENVELOPE_KIND__DATA;
    e.sender_id = (char *)"intake";
    e.link_seq = 1234567890123ULL;
    e.ack_seq = 99;
    e.msg_id = (char *)"m-1";
    e.correlation_id = (char *)corr;
    e.schema_version = 1;
    e.type = RONGYU__MESSAGE_TYPE__VALIDATE_CASE;
    static uint8_t payload[] = {0x0a, 0x03, 'a', 'b', 'c', 0x10, 0x02};
    e.payload = (ProtobufCBinaryData){sizeof payload, payload};
    e.reason = (char *)"because";
    ProtobufCBinaryData items[8];
    static uint8_t item[] = {0x08, 0x01, 0x12, 0x06, 'i',
                             'n',  't',  'a',  'k',  'e'};
    for (size_t i = 0; i < n_items && i < 8; i++)
        items[i] = (ProtobufCBinaryData){sizeof item - (i % 3), item};
    e.n_items = n_items < 8 ? n_items : 8;
    e.items = items;
    e.store = &st;
    return ry_pb_pack(&e.base, len);
}

static void
test_whole_envelope_and_batch(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = s_whole(&len, "0123456789abcdef", 5);
    assert_true(s_agree(b, len, true));
    ry_envelope_t e;
    assert_int_equal(ry_envelope_read(&e, b, len), 0);
    assert_string_equal(e.sender_id, "intake");
    assert_string_equal(e.correlation_id, "0123456789abcdef");
    assert_int_equal(e.n_items, 5);
    assert_non_null(e.store);
    assert_int_equal(e.store->commits, 17);
    ry_envelope_release(&e);
    free(b);
    /* An empty frame is an envelope of defaults. */
    assert_true(s_agree((const uint8_t *)"", 0, true));
    assert_int_equal(ry_envelope_read(&e, (const uint8_t *)"", 0), 0);
    assert_string_equal(e.sender_id, "");
    assert_null(e.payload);
    assert_null(e.store);
    ry_envelope_release(&e);
}

static void
test_long_strings_and_nul(void **state)
{
    (void)state;
    char corr[700];
    memset(corr, 'x', sizeof corr - 1);
    corr[sizeof corr - 1] = '\0';
    size_t len;
    uint8_t *b = s_whole(&len, corr, 0);
    assert_true(s_agree(b, len, true)); /* past the inline buffer: allocated */
    free(b);
    /* sender_id "in\0take": its C string ends at the NUL. */
    static const uint8_t nul[] = {0x08, 0x01, 0x12, 0x07, 'i', 'n',
                                  0,    't',  'a',  'k',  'e'};
    assert_true(s_agree(nul, sizeof nul, true));
    ry_envelope_t e;
    assert_int_equal(ry_envelope_read(&e, nul, sizeof nul), 0);
    assert_string_equal(e.sender_id, "in");
    ry_envelope_release(&e);
}

static void
test_store_twice_is_merged(void **state)
{
    (void)state;
    /* StoreStats (field 200) twice: commits (201) from the first, syncs
     * (202) from the second, service (200) from both, the last winning. */
    static const uint8_t twice[] = {0xc2, 0x0c, 0x07, 0xc2, 0x0c, 0x01, 'a',
                                    0xc8, 0x0c, 0x07, 0xc2, 0x0c, 0x07, 0xc2,
                                    0x0c, 0x01, 'b',  0xd0, 0x0c, 0x09};
    assert_true(s_agree(twice, sizeof twice, false));
    ry_envelope_t e;
    assert_int_equal(ry_envelope_read(&e, twice, sizeof twice), 0);
    assert_non_null(e.store);
    assert_string_equal(e.store->service, "b");
    assert_int_equal(e.store->commits, 7);
    assert_int_equal(e.store->syncs, 9);
    ry_envelope_release(&e);
    /* A StoreStats that does not decode refuses the frame, alone or
     * before one that does. */
    static const uint8_t bad[] = {0xc2, 0x0c, 0x02, 0xc2, 0x0c};
    assert_false(s_agree(bad, sizeof bad, true));
    static const uint8_t bad_first[] = {0xc2, 0x0c, 0x02, 0xc8, 0x0c,
                                        0xc2, 0x0c, 0x01, 0x07};
    assert_false(s_agree(bad_first, sizeof bad_first, false));
}

/* StoreStats that are all unknown fields, too many to decode under
 * ry_pb_unpack's cap on allocation (a 2-byte field takes a slab of its
 * own and an entry in the array of unknown fields): the frame is
 * refused, where a few such fields are kept. */
static void
test_store_past_the_cap_is_refused(void **state)
{
    (void)state;
    enum { PER = 100, TIMES = 40 };
    uint8_t frame[TIMES * (3 + PER)];
    size_t n = 0;
    for (int i = 0; i < TIMES; i++) {
        frame[n++] = 0xc2; /* field 200, length-delimited */
        frame[n++] = 0x0c;
        frame[n++] = PER;
        for (int k = 0; k < PER; k += 2) {
            frame[n++] = 0x70; /* field 14 (unknown), a varint */
            frame[n++] = 0x01;
        }
    }
    ry_envelope_t e;
    assert_int_equal(ry_envelope_read(&e, frame, n), -1);
    assert_int_equal(ry_envelope_read(&e, frame, 3 + PER), 0);
    assert_non_null(e.store);
    ry_envelope_release(&e);
}

static void
test_wrong_wire_types_refused(void **state)
{
    (void)state;
    static const uint8_t kind_as_bytes[] = {0x0a, 0x01, 0x01};
    assert_false(s_agree(kind_as_bytes, sizeof kind_as_bytes, true));
    static const uint8_t sender_as_varint[] = {0x10, 0x05};
    assert_false(s_agree(sender_as_varint, sizeof sender_as_varint, true));
    static const uint8_t seq_as_fixed64[] = {0x19, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_false(s_agree(seq_as_fixed64, sizeof seq_as_fixed64, true));
    /* Unknown fields of any wire type are skipped. */
    static const uint8_t unknown[] = {0x08, 0x02, 0xb8, 0x01, 0x05, 0xbd, 0x01,
                                      1,    2,    3,    4,    0xc2, 0x01, 0x00};
    assert_true(s_agree(unknown, sizeof unknown, true));
    /* Tags protobuf-c reads by dropping bits (a field number past 29
     * bits; field 0 written with a continuation byte) are refused. */
    static const uint8_t overflow[] = {0xf5, 0xfb, 0xed, 0xfa, 0x7f,
                                       'r',  'm',  'b',  'e'};
    static const uint8_t zero[] = {0x80, 0x00, 0x01};
    ry_envelope_t e;
    assert_int_equal(ry_envelope_read(&e, overflow, sizeof overflow), -1);
    assert_int_equal(ry_envelope_read(&e, zero, sizeof zero), -1);
    assert_false(s_agree(overflow, sizeof overflow, true));
    assert_false(s_agree(zero, sizeof zero, true));
    /* A tag, or a length, padded to 6 bytes: protobuf-c refuses both. */
    static const uint8_t long_tag[] = {0x88, 0x80, 0x80, 0x80,
                                       0x80, 0x00, 0x01};
    static const uint8_t long_len[] = {0x12, 0x81, 0x80, 0x80,
                                       0x80, 0x80, 0x00, 'x'};
    assert_int_equal(ry_envelope_read(&e, long_tag, sizeof long_tag), -1);
    assert_int_equal(ry_envelope_read(&e, long_len, sizeof long_len), -1);
    assert_false(s_agree(long_tag, sizeof long_tag, true));
    assert_false(s_agree(long_len, sizeof long_len, true));
    /* A large enum value and a 64-bit schema version are kept as the
     * decoder keeps them. */
    static const uint8_t big[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x38,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_true(s_agree(big, sizeof big, true));
}

static void
test_many_tiny_items(void **state)
{
    (void)state;
    /* 100,000 empty items (2 bytes each): read, without a copy of any,
     * where ry_pb_unpack's cap (4 * len + 64 KiB) refuses them. */
    size_t n = 100000;
    uint8_t *b = malloc(2 * n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = 0x5a;
        b[2 * i + 1] = 0x00;
    }
    assert_null(ry_pb_unpack(&rongyu__envelope__descriptor, b, 2 * n, 0));
    assert_true(s_agree(b, 2 * n, true));
    ry_envelope_t e;
    assert_int_equal(ry_envelope_read(&e, b, 2 * n), 0);
    assert_int_equal(e.n_items, n);
    ry_envelope_release(&e);
    free(b);
}

/* xorshift: the same damage every run. */
static uint64_t s_rng = 0x9e3779b97f4a7c15ULL;
static uint64_t
s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static void
test_damaged_envelopes_agree(void **state)
{
    (void)state;
    size_t len, read = 0, refused = 0;
    uint8_t *whole = s_whole(&len, "0123456789abcdef", 3);
    uint8_t buf[1024];
    assert_true(len + 16 <= sizeof buf);
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, whole, len);
        size_t n = len;
        switch (s_rand() % 4) {
        case 0: /* a few bytes changed */
            for (int k = 1 + (int)(s_rand() % 3); k > 0; k--)
                buf[s_rand() % n] = (uint8_t)s_rand();
            break;
        case 1: /* cut */ n = s_rand() % (n + 1); break;
        case 2: { /* a field of any number and wire type appended */
            uint32_t number = 1 + (uint32_t)(s_rand() % 14);
            unsigned wire = (unsigned)(s_rand() % 6);
            buf[n++] = (uint8_t)(number << 3 | wire);
            for (int k = (int)(s_rand() % 10); k > 0; k--)
                buf[n++] = (uint8_t)(s_rand() % 4);
            break;
        }
        default: /* one byte changed, then cut */
            buf[s_rand() % n] = (uint8_t)s_rand();
            n -= s_rand() % 4;
            break;
        }
        if (s_agree(buf, n, true))
            read++;
        else
            refused++;
    }
    free(whole);
    /* Both outcomes were met many times. */
    assert_true(read > 1000);
    assert_true(refused > 1000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_envelope_and_batch),
        cmocka_unit_test(test_long_strings_and_nul),
        cmocka_unit_test(test_store_twice_is_merged),
        cmocka_unit_test(test_store_past_the_cap_is_refused),
        cmocka_unit_test(test_wrong_wire_types_refused),
        cmocka_unit_test(test_many_tiny_items),
        cmocka_unit_test(test_damaged_envelopes_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
