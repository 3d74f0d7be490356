/* ry_pb_next and ry_pb_append_string: a message's fields read as they
 * were received, hostile bytes refused, ry_pb_next's short way as its
 * long one; a string field appended to an
 * encoded message is what a decoder then reads. ry_pb_unpack's arena:
 * the cap holds, strings set later and a decoded message put into
 * another are freed with it (the sanitizer build finds any leak).
 * ry_pb_equal agrees with packing both and comparing the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rongyu.pb-c.h"
#include "ry_pb.h"

#include <stdlib.h>
#include <string.h>

/* Walks data; returns the number of fields, or -1 when it is refused. */
static int
s_walk(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    ry_pb_field_t f;
    int n = 0, rc;
    while ((rc = ry_pb_next(data, len, &pos, &f)) == 1)
        n++;
    return rc < 0 ? -1 : n;
}

/* ry_pb_next reads a field as ry_pb_next_any does, its own short way or
 * not: the same result, field and position. */
static void
s_assert_same_read(const uint8_t *data, size_t len, size_t at)
{
    ry_pb_field_t a, b;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0x5a, sizeof b);
    size_t pa = at, pb = at;
    int ra = ry_pb_next(data, len, &pa, &a);
    int rb = ry_pb_next_any(data, len, &pb, &b);
    assert_int_equal(ra, rb);
    assert_int_equal(pa, pb);
    if (ra != 1)
        return;
    assert_int_equal(a.number, b.number);
    assert_int_equal(a.wire, b.wire);
    assert_ptr_equal(a.start, b.start);
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.tag_len, b.tag_len);
    assert_ptr_equal(a.val, b.val);
    assert_int_equal(a.vlen, b.vlen);
    assert_int_equal(a.varint, b.varint);
}

/* Every input of up to three bytes, at each position, and 200,000
 * random ones of up to 300 (a length past the end, at the end, short of
 * it; tags of every wire type). */
static void
test_short_way_reads_as_the_long(void **state)
{
    (void)state;
    uint8_t buf[300];
    for (size_t len = 0; len <= 3; len++)
        for (uint32_t v = 0; v < (1u << (8 * len)); v++) {
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)(v >> (8 * i));
            for (size_t at = 0; at <= len; at++)
                s_assert_same_read(buf, len, at);
        }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < 200000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = (size_t)(x % sizeof buf);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (uint8_t)(x >> 24);
        }
        if (len >= 2) /* a length near the end, as often as not */
            buf[1] = (uint8_t)((len - 2 + (x % 5) - 2) & 0x7f);
        s_assert_same_read(buf, len, 0);
    }
}

static void
test_empty_and_hostile_input(void **state)
{
    (void)state;
    assert_int_equal(s_walk(NULL, 0), 0); /* an empty message is valid */
    static const uint8_t field_zero[] = {0x00, 0x01};
    assert_int_equal(s_walk(field_zero, sizeof field_zero), -1);
    static const uint8_t bad_wire[] = {0x0b}; /* field 1, wire type 3 */
    assert_int_equal(s_walk(bad_wire, sizeof bad_wire), -1);
    static const uint8_t past_end[] = {0x0a, 0x05, 'a', 'b'};
    assert_int_equal(s_walk(past_end, sizeof past_end), -1);
    static const uint8_t cut_varint[] = {0x08, 0x80};
    assert_int_equal(s_walk(cut_varint, sizeof cut_varint), -1);
    static const uint8_t long_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(s_walk(long_varint, sizeof long_varint), -1);
    static const uint8_t cut_fixed[] = {0x09, 1, 2, 3};
    assert_int_equal(s_walk(cut_fixed, sizeof cut_fixed), -1);
    static const uint8_t huge_len[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f};
    assert_int_equal(s_walk(huge_len, sizeof huge_len), -1);
    /* Tags and lengths of more than five bytes, which protobuf-c refuses
     * (a length of 0 in nine bytes was found by the verdict's fuzz
     * target); five bytes are read. */
    static const uint8_t long_len[] = {0xa2, 0x0b, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(s_walk(long_len, sizeof long_len), -1);
    assert_null(rongyu__check__unpack(NULL, sizeof long_len, long_len));
    static const uint8_t len_of_five[] = {0x0a, 0x81, 0x80, 0x80,
                                          0x80, 0x00, 'a'};
    assert_int_equal(s_walk(len_of_five, sizeof len_of_five), 1);
    static const uint8_t long_tag[] = {0x90, 0x80, 0x80, 0x80,
                                       0x80, 0x00, 0x01};
    assert_int_equal(s_walk(long_tag, sizeof long_tag), -1);
    assert_null(rongyu__check__unpack(NULL, sizeof long_tag, long_tag));
    static const uint8_t tag_of_five[] = {0x90, 0x80, 0x80, 0x80, 0x00, 0x01};
    assert_int_equal(s_walk(tag_of_five, sizeof tag_of_five), 1);
    /* protobuf-c reads both of five bytes (Check.code, Check.passed). */
    Rongyu__Check *k =
        rongyu__check__unpack(NULL, sizeof len_of_five, len_of_five);
    assert_non_null(k);
    assert_string_equal(k->code, "a");
    rongyu__check__free_unpacked(k, NULL);
    k = rongyu__check__unpack(NULL, sizeof tag_of_five, tag_of_five);
    assert_non_null(k);
    assert_true(k->passed);
    rongyu__check__free_unpacked(k, NULL);
}

static void
test_fields_are_read_as_sent(void **state)
{
    (void)state;
    Rongyu__Principal who = RONGYU__PRINCIPAL__INIT;
    who.org_id = (char *)"xiaoshan-hengyi-textile";
    Rongyu__GetRequest g = RONGYU__GET_REQUEST__INIT;
    g.case_id = (char *)"0000018b2c3d4e5f";
    g.revision = 300;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.idempotency_key = (char *)"k1";
    req.principal = &who;
    req.request_id = (char *)"r1";
    req.body_case = RONGYU__REQUEST__BODY_GET;
    req.get = &g;
    size_t len;
    uint8_t *buf = ry_pb_pack(&req.base, &len);
    size_t pos = 0, covered = 0;
    ry_pb_field_t f;
    uint32_t seen[8];
    int n = 0;
    while (ry_pb_next(buf, len, &pos, &f) == 1 && n < 8) {
        seen[n++] = f.number;
        covered += f.n;
        assert_int_equal(f.wire, 2);
        if (f.number == 3) {
            assert_int_equal(f.vlen, 2);
            assert_memory_equal(f.val, "r1", 2);
        }
        if (f.number == 13) {
            /* A part used as it is: it decodes on its own. */
            Rongyu__GetRequest *got = (Rongyu__GetRequest *)ry_pb_unpack(
                &rongyu__get_request__descriptor, f.val, f.vlen, 0);
            assert_non_null(got);
            assert_int_equal(got->revision, 300);
            ry_pb_free(&got);
        }
    }
    assert_int_equal(n, 4);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 2);
    assert_int_equal(seen[2], 3);
    assert_int_equal(seen[3], 13);
    assert_int_equal(covered, len); /* the fields are the whole message */
    free(buf);
    /* The tag's bytes: one, two (field 221), three when written long; the
     * value's are the rest. */
    static const uint8_t tags[] = {0x08, 0x05, 0xe8, 0x0d, 0x80,
                                   0x01, 0x88, 0x80, 0x00, 0x07};
    const size_t want_tag[] = {1, 2, 3}, want_n[] = {2, 4, 4};
    pos = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ry_pb_next(tags, sizeof tags, &pos, &f), 1);
        assert_int_equal(f.tag_len, want_tag[i]);
        assert_int_equal(f.n, want_n[i]);
    }
    assert_int_equal(f.number, 1);
    assert_int_equal(f.varint, 7);
}

/* A varint's size is what ry_pb_put_varint writes, at each boundary. */
static void
test_varint_size_is_the_bytes_written(void **state)
{
    (void)state;
    static const uint64_t vals[] = {0,
                                    1,
                                    0x7f,
                                    0x80,
                                    0x3fff,
                                    0x4000,
                                    0xffffffffull,
                                    0x7fffffffffffffffull,
                                    0x8000000000000000ull,
                                    UINT64_MAX};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 3, 5, 9, 10, 10};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[10];
        size_t at = 0;
        ry_pb_put_varint(b, &at, vals[i]);
        assert_int_equal(at, sizes[i]);
        assert_int_equal(ry_pb_varint_size(vals[i]), sizes[i]);
    }
}

/* A varint as the wire format defines it, byte by byte: its value, or
 * -1 when it does not end within len bytes or ten. */
static int
s_varint_ref(const uint8_t *b, size_t len, uint64_t *v, size_t *used)
{
    uint64_t x = 0;
    for (size_t i = 0; i < len && i < 10; i++) {
        x |= (uint64_t)(b[i] & 0x7f) << (7 * i);
        if (b[i] < 0x80) {
            *v = x;
            *used = i + 1;
            return 0;
        }
    }
    return -1;
}

/* ry_pb_get_varint against the definition: every input of one to three
 * bytes, at every position and length (its one- and two-byte ways and
 * the loop), and every value ry_pb_put_varint writes above. */
static void
test_get_varint_reads_the_definition(void **state)
{
    (void)state;
    uint8_t b[4];
    for (uint32_t x = 0; x < (1u << 24); x += (x < (1u << 16) ? 1 : 97)) {
        b[0] = (uint8_t)x;
        b[1] = (uint8_t)(x >> 8);
        b[2] = (uint8_t)(x >> 16);
        b[3] = 0x80;
        for (size_t len = 0; len <= 3; len++)
            for (size_t at = 0; at <= len; at++) {
                uint64_t v = 0, w = 0;
                size_t pos = at, used = 0;
                int rc = ry_pb_get_varint(b, len, &pos, &v);
                int want = s_varint_ref(b + at, len - at, &w, &used);
                assert_int_equal(rc, want);
                if (rc == 0) {
                    assert_int_equal(v, w);
                    assert_int_equal(pos, at + used);
                }
            }
    }
    for (uint64_t v = 1; v; v <<= 1)
        for (int d = -1; d <= 1; d++) {
            uint8_t out[10];
            size_t at = 0, pos = 0;
            uint64_t got;
            ry_pb_put_varint(out, &at, v + (uint64_t)d);
            assert_int_equal(ry_pb_get_varint(out, at, &pos, &got), 0);
            assert_int_equal(got, v + (uint64_t)d);
            assert_int_equal(pos, at);
        }
}

static void
test_appended_string_is_the_field_value(void **state)
{
    (void)state;
    Rongyu__Reply rep = RONGYU__REPLY__INIT;
    rep.code = RONGYU__ERROR_CODE__E_NOT_FOUND;
    rep.detail = (char *)"case 'x'";
    size_t len;
    uint8_t *buf = ry_pb_pack(&rep.base, &len);
    size_t before = len;
    ry_pb_append_string(&buf, &len, 6, NULL); /* nothing */
    ry_pb_append_string(&buf, &len, 6, "");
    assert_int_equal(len, before);
    char id[300];
    memset(id, 'q', sizeof id - 1); /* a length of two varint bytes */
    id[sizeof id - 1] = '\0';
    ry_pb_append_string(&buf, &len, 6, id);
    ry_pb_append_string(&buf, &len, 180, "submit.case_id"); /* 2-byte tag */
    Rongyu__Reply *r = (Rongyu__Reply *)ry_pb_unpack(
        &rongyu__reply__descriptor, buf, len, 0);
    assert_non_null(r);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(r->detail, "case 'x'");
    assert_string_equal(r->request_id, id);
    assert_string_equal(r->field_path, "submit.case_id");
    ry_pb_free(&r);
    free(buf);
}


/* A case with 'n' checks in its verdict, encoded. */
static uint8_t *
s_case_bytes(size_t n, size_t *len)
{
    Rongyu__Case c = RONGYU__CASE__INIT;
    Rongyu__Verdict v = RONGYU__VERDICT__INIT;
    Rongyu__Check k = RONGYU__CHECK__INIT;
    Rongyu__Check *ks[64];
    k.subject = (char *)"membership";
    k.rule = 7;
    for (size_t i = 0; i < n; i++)
        ks[i] = &k;
    v.checks = ks;
    v.n_checks = n;
    v.ruleset = (char *)"hangzhou-2018";
    c.case_id = (char *)"C-1";
    c.verdict = &v;
    return ry_pb_pack(&c.base, len);
}

static void
test_arena_cap_and_frees(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = s_case_bytes(40, &len);
    /* Decoded, forty checks need more than a hundred bytes. */
    assert_null(ry_pb_unpack(&rongyu__case__descriptor, buf, len, 100));
    Rongyu__Case *c =
        (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, buf, len, 0);
    assert_non_null(c);
    assert_int_equal(c->verdict->n_checks, 40);
    assert_string_equal(c->verdict->checks[39]->subject, "membership");
    /* Strings set after decoding, over decoded ones and over the empty
     * default, twice over the same field. */
    for (size_t i = 0; i < c->verdict->n_checks; i++) {
        ry_pb_set_string(&c->verdict->checks[i]->subject, "coverage");
        ry_pb_set_string(&c->verdict->checks[i]->message_en, "met");
        ry_pb_set_string(&c->verdict->checks[i]->message_en, "NOT met");
    }
    assert_string_equal(c->verdict->checks[3]->message_en, "NOT met");
    /* A verdict decoded apart, strings set in it too, put into a case
     * that has none, goes with that case. */
    size_t vlen;
    uint8_t *vbuf = ry_pb_pack(&c->verdict->base, &vlen);
    ry_pb_free(&c);
    assert_null(c);
    Rongyu__Verdict *v = (Rongyu__Verdict *)ry_pb_unpack(
        &rongyu__verdict__descriptor, vbuf, vlen, 0);
    assert_non_null(v);
    assert_string_equal(v->checks[0]->subject, "coverage");
    ry_pb_set_string(&v->checks[0]->message_zh, "符合");
    Rongyu__Case bare = RONGYU__CASE__INIT;
    bare.case_id = (char *)"C-2";
    size_t blen;
    uint8_t *bbuf = ry_pb_pack(&bare.base, &blen);
    c = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, bbuf, blen, 0);
    assert_non_null(c);
    assert_null(c->verdict);
    c->verdict = v;
    ry_pb_free(&c);
    free(bbuf);
    free(vbuf);
    free(buf);
}

/* ry_pb_free takes what a message holds and no more, whether it walks
 * the message (something else decoded, or a string set, is alive) or
 * drops it whole (nothing else is): the counts come back to where they
 * were, a message beside it stays whole, and one put into it goes with
 * it. (What is not freed at all, LeakSanitizer finds in the sanitizer
 * pass.) */
static void
test_free_takes_what_the_message_holds(void **state)
{
    (void)state;
    size_t m0, s0, m, s;
    ry_pb_live(&m0, &s0);
    size_t len;
    uint8_t *buf = s_case_bytes(3, &len);
    const ProtobufCMessageDescriptor *cd = &rongyu__case__descriptor;
    /* Alone: dropped whole. */
    Rongyu__Case *a = (Rongyu__Case *)ry_pb_unpack(cd, buf, len, 0);
    assert_non_null(a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0 + 1);
    ry_pb_free(&a);
    assert_null(a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0);
    /* Beside another: that one stays whole. */
    a = (Rongyu__Case *)ry_pb_unpack(cd, buf, len, 0);
    Rongyu__Case *b = (Rongyu__Case *)ry_pb_clone(&a->base);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0 + 2);
    ry_pb_free(&a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0 + 1);
    assert_string_equal(b->verdict->checks[2]->subject, "membership");
    /* One put into another goes with it, though nothing else is alive
     * once it is in. */
    size_t vlen;
    uint8_t *vbuf = ry_pb_pack(&b->verdict->base, &vlen);
    ry_pb_free(&b);
    a = (Rongyu__Case *)ry_pb_unpack(cd, buf, len, 0);
    a->verdict = (Rongyu__Verdict *)ry_pb_unpack(&rongyu__verdict__descriptor,
                                                 vbuf, vlen, 0);
    assert_non_null(a->verdict);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0 + 2);
    ry_pb_free(&a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0);
    /* A string set: freed with its message, which is walked for it. */
    a = (Rongyu__Case *)ry_pb_unpack(cd, buf, len, 0);
    ry_pb_set_string(&a->case_id, "C-9");
    ry_pb_set_string(&a->verdict->checks[1]->subject, "satisfaction");
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0 + 1);
    assert_int_equal(s, s0 + 2);
    ry_pb_free(&a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0);
    assert_int_equal(s, s0);
    /* Strings set in the message's own memory: none of their own, the
     * one set before them freed, the message dropped whole. */
    a = (Rongyu__Case *)ry_pb_unpack(cd, buf, len, 0);
    ry_pb_set_string(&a->case_id, "C-9");
    ry_pb_set_string_in(a, &a->case_id, "C-10");
    ry_pb_set_string_in(a->verdict->checks[2], &a->verdict->checks[2]->subject,
                        "satisfaction");
    ry_pb_set_string_in(a, &a->note, "");
    ry_pb_live(&m, &s);
    assert_int_equal(s, s0);
    assert_string_equal(a->case_id, "C-10");
    assert_string_equal(a->verdict->checks[2]->subject, "satisfaction");
    assert_string_equal(a->verdict->checks[1]->subject, "membership");
    assert_string_equal(a->note, "");
    ry_pb_free(&a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0);
    /* A message decoded under the smallest cap that holds it: a string
     * set in its memory past the cap is a block of its own, freed with
     * it. */
    size_t cap = len;
    while (!(a = (Rongyu__Case *)ry_pb_unpack(cd, buf, len, cap)))
        cap += 16;
    char long_id[256];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    ry_pb_set_string_in(a, &a->case_id, long_id);
    ry_pb_live(&m, &s);
    assert_int_equal(s, s0 + 1);
    assert_string_equal(a->case_id, long_id);
    ry_pb_free(&a);
    ry_pb_live(&m, &s);
    assert_int_equal(m, m0);
    assert_int_equal(s, s0);
    free(vbuf);
    free(buf);
}

/* A request built by hand over buffers of its own (a oneof, nested and
 * repeated messages, strings and bytes), cloned, then the buffers
 * overwritten: the clone encodes as the original did, and frees whole. */
static void
test_clone_is_deep(void **state)
{
    (void)state;
    char org[16] = "org-1", name[16] = "申报表.pdf";
    uint8_t content[4] = {1, 2, 3, 4};
    Rongyu__Attachment att = RONGYU__ATTACHMENT__INIT;
    att.name = name;
    att.content.data = content;
    att.content.len = sizeof content;
    Rongyu__Attachment *atts[2] = {&att, &att};
    Rongyu__Application app = RONGYU__APPLICATION__INIT;
    app.applicant_org = org;
    app.attachments = atts;
    app.n_attachments = 2;
    Rongyu__SubmitRequest sub = RONGYU__SUBMIT_REQUEST__INIT;
    sub.application = &app;
    Rongyu__Principal who = RONGYU__PRINCIPAL__INIT;
    who.org_id = org;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.principal = &who;
    req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
    req.submit = &sub;
    size_t len, clen;
    uint8_t *want = ry_pb_pack(&req.base, &len);
    Rongyu__Request *c = (Rongyu__Request *)ry_pb_clone(&req.base);
    assert_non_null(c);
    memset(org, 'x', sizeof org - 1);
    memset(name, 'y', sizeof name - 1);
    memset(content, 0, sizeof content);
    uint8_t *got = ry_pb_pack(&c->base, &clen);
    assert_int_equal(clen, len);
    assert_memory_equal(got, want, len);
    assert_string_equal(c->submit->application->attachments[1]->name,
                        "申报表.pdf");
    /* A decoded message clones as well, strings set since included. */
    Rongyu__Request *r =
        (Rongyu__Request *)ry_pb_unpack(&rongyu__request__descriptor, want,
                                        len, 0);
    assert_non_null(r);
    ry_pb_set_string(&r->principal->org_id, "org-2");
    Rongyu__Request *rc = (Rongyu__Request *)ry_pb_clone(&r->base);
    ry_pb_free(&r);
    assert_string_equal(rc->principal->org_id, "org-2");
    assert_int_equal(rc->submit->application->attachments[0]->content.len, 4);
    ry_pb_free(&rc);
    ry_pb_free(&c);
    assert_null(ry_pb_clone(NULL));
    free(got);
    free(want);
}

/* ry_pb_equal says "the same" exactly when the two messages pack to the
 * same bytes, over pairs that differ where packing is subtle: NULL and
 * "" strings, a oneof member set to its zero value or to NULL, -0.0,
 * an empty submessage against none, repeated and unknown fields. */
static bool
s_packs_same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la, lb;
    uint8_t *pa = ry_pb_pack(a, &la), *pb = ry_pb_pack(b, &lb);
    bool same = la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

/* Asserts ry_pb_equal over every pair of the n messages at msgs (one
 * every 'stride' bytes) says what packing them says; returns how many
 * pairs of different messages pack the same. */
static int
s_expect_equal_as_packed(const void *msgs, size_t stride, int n)
{
    int same = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            const ProtobufCMessage *a =
                (const void *)((const char *)msgs + (size_t)i * stride);
            const ProtobufCMessage *b =
                (const void *)((const char *)msgs + (size_t)j * stride);
            bool want = s_packs_same(a, b);
            same += want && i != j;
            assert_int_equal(ry_pb_equal(a, b), want);
        }
    return same;
}

static void
test_equal_is_packing_the_same(void **state)
{
    (void)state;
    enum { N = 17 };
    Rongyu__Quantity q[N];
    Rongyu__Ratio half = RONGYU__RATIO__INIT, zero = RONGYU__RATIO__INIT;
    half.num = 1;
    half.den = 2;
    Rongyu__Quantity item = RONGYU__QUANTITY__INIT, *items[1] = {&item};
    item.value_case = RONGYU__QUANTITY__VALUE_COUNT;
    item.count = 3;
    for (int i = 0; i < N; i++)
        rongyu__quantity__init(&q[i]);
    q[1].unit = NULL;
    q[2].value_case = RONGYU__QUANTITY__VALUE_NUMBER; /* 0.0, but set */
    q[3].value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    q[3].number = -0.0;
    q[4].value_case = RONGYU__QUANTITY__VALUE_TEXT; /* set, NULL */
    q[4].text = NULL;
    q[5].value_case = RONGYU__QUANTITY__VALUE_TEXT; /* set, "" */
    q[5].text = (char *)"";
    q[6].value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q[6].ratio = NULL;
    q[7].value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q[7].ratio = &zero;
    q[8].value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q[8].ratio = &half;
    q[9].min = -0.0; /* a proto3 zero: left out like 0.0 */
    q[10].max = 1.5;
    q[11].unit = (char *)"percent";
    q[12].n_items = 1;
    q[12].items = items;
    q[13].value_case = RONGYU__QUANTITY__VALUE_TERM;
    q[13].term = (char *)"present";
    q[14].value_case = RONGYU__QUANTITY__VALUE_TEXT;
    q[14].text = (char *)"present";
    q[15].value_case = RONGYU__QUANTITY__VALUE_COUNT; /* 0, but set */
    q[16].value_case = RONGYU__QUANTITY__VALUE_TEXT;  /* set, the default */
    q[16].text = (char *)protobuf_c_empty_string;
    /* Some pairs differ only where nothing is packed. */
    assert_true(s_expect_equal_as_packed(q, sizeof q[0], N) > 0);

    /* Submessages, repeated fields, bools. */
    Rongyu__Check c[6];
    for (int i = 0; i < 6; i++)
        rongyu__check__init(&c[i]);
    c[1].threshold_value = &q[0]; /* an empty Quantity is still written */
    c[2].threshold_value = &q[9];
    c[3].threshold_value = &q[10];
    c[4].passed = true;
    c[5].code = NULL;
    Rongyu__Check *one[1] = {&c[1]}, *other[1] = {&c[3]},
                  *two[2] = {&c[1], &c[1]};
    Rongyu__Verdict v[4];
    for (int i = 0; i < 4; i++)
        rongyu__verdict__init(&v[i]);
    v[1].n_checks = 1;
    v[1].checks = one;
    v[2].n_checks = 1;
    v[2].checks = other;
    v[3].n_checks = 2;
    v[3].checks = two;
    s_expect_equal_as_packed(c, sizeof c[0], 6);
    s_expect_equal_as_packed(v, sizeof v[0], 4);

    /* Unknown fields are compared as they were received. */
    static const uint8_t u1[] = {0x08, 0x01, 0xf8, 0x3f, 0x05};
    static const uint8_t u2[] = {0x08, 0x01, 0xf8, 0x3f, 0x06};
    ProtobufCMessage *a =
        ry_pb_unpack(&rongyu__ratio__descriptor, u1, sizeof u1, 0);
    ProtobufCMessage *b =
        ry_pb_unpack(&rongyu__ratio__descriptor, u2, sizeof u2, 0);
    ProtobufCMessage *a2 = ry_pb_clone(a);
    assert_non_null(a);
    assert_non_null(b);
    assert_false(ry_pb_equal(a, b));
    assert_true(ry_pb_equal(a, a2));
    assert_false(ry_pb_equal(a, &half.base));
    assert_true(ry_pb_equal(NULL, NULL));
    assert_false(ry_pb_equal(a, NULL));
    ry_pb_free(&a);
    ry_pb_free(&a2);
    ry_pb_free(&b);
}

/* The same for fields the project's proto3 messages do not have yet,
 * in a message described here by hand: optional ones (a scalar with its
 * has flag, a string that may be NULL) and required ones. */
typedef struct {
    ProtobufCMessage base;
    protobuf_c_boolean has_num;
    int32_t num;
    char *opt;
    char *req;
    int64_t big;
    double dbl;
} s_labels_t;

static const ProtobufCFieldDescriptor s_labels_fields[] = {
    {"num", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32,
     offsetof(s_labels_t, has_num), offsetof(s_labels_t, num), NULL, NULL, 0, 0,
     NULL, NULL},
    {"opt", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, 0,
     offsetof(s_labels_t, opt), NULL, NULL, 0, 0, NULL, NULL},
    {"req", 3, PROTOBUF_C_LABEL_REQUIRED, PROTOBUF_C_TYPE_STRING, 0,
     offsetof(s_labels_t, req), NULL, NULL, 0, 0, NULL, NULL},
    {"big", 4, PROTOBUF_C_LABEL_REQUIRED, PROTOBUF_C_TYPE_INT64, 0,
     offsetof(s_labels_t, big), NULL, NULL, 0, 0, NULL, NULL},
    {"dbl", 5, PROTOBUF_C_LABEL_REQUIRED, PROTOBUF_C_TYPE_DOUBLE, 0,
     offsetof(s_labels_t, dbl), NULL, NULL, 0, 0, NULL, NULL},
};

static const ProtobufCMessageDescriptor s_labels_desc = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Labels",
    "Labels",
    "test_Labels",
    "test",
    sizeof(s_labels_t),
    sizeof s_labels_fields / sizeof s_labels_fields[0],
    s_labels_fields,
    NULL,
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL};

static void
test_equal_with_optional_and_required_fields(void **state)
{
    (void)state;
    enum { N = 9 };
    s_labels_t m[N];
    memset(m, 0, sizeof m);
    for (int i = 0; i < N; i++)
        m[i].base.descriptor = &s_labels_desc;
    m[1].num = 5;     /* set, but not flagged: not written */
    m[2].has_num = 1; /* flagged 0: written */
    m[3].has_num = 1;
    m[3].num = 5;
    m[4].opt = (char *)""; /* an empty optional string: written */
    m[5].opt = (char *)"x";
    m[6].req = (char *)""; /* a required string: NULL and "" alike */
    m[7].big = -1;
    m[8].dbl = -0.0; /* required: written, unlike a proto3 -0.0 */
    assert_true(s_expect_equal_as_packed(m, sizeof m[0], N) > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_hostile_input),
        cmocka_unit_test(test_short_way_reads_as_the_long),
        cmocka_unit_test(test_fields_are_read_as_sent),
        cmocka_unit_test(test_varint_size_is_the_bytes_written),
        cmocka_unit_test(test_get_varint_reads_the_definition),
        cmocka_unit_test(test_appended_string_is_the_field_value),
        cmocka_unit_test(test_arena_cap_and_frees),
        cmocka_unit_test(test_free_takes_what_the_message_holds),
        cmocka_unit_test(test_clone_is_deep),
        cmocka_unit_test(test_equal_is_packing_the_same),
        cmocka_unit_test(test_equal_with_optional_and_required_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
