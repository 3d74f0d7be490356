/* ry_pb_unpack's own reading (ry_pb_unpack_short) and ry_pb_pack's own
 * writing against protobuf-c's: every message the short way reads, it
 * reads into the same members (ut_pb_same); the real messages of the
 * services it reads itself; what it leaves to protobuf-c (a message or a
 * oneof given twice, an unknown field, a type rongyu does not use, a deep
 * nesting) ry_pb_unpack still decodes, as protobuf-c does; bytes
 * protobuf-c refuses it refuses. Every message decoded here, and messages
 * made with each kind of value at its edges, ry_pb_pack writes byte for
 * byte as protobuf_c_message_pack does. ry_pb_unpack_texts is sure of a
 * message's texts only where ry_text_check passes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rongyu.pb-c.h"
#include "rongyu_services.pb-c.h"
#include "ry_json.h"
#include "ry_pb.h"
#include "ry_text.h"
#include "ut_pb.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const ProtobufCMessageDescriptor *d;
    uint8_t *data;
    size_t len;
} s_seed_t;

static s_seed_t s_seeds[64];
static size_t s_nseeds;

static void
s_add(const ProtobufCMessage *m)
{
    assert_true(s_nseeds < sizeof s_seeds / sizeof s_seeds[0]);
    s_seed_t *s = &s_seeds[s_nseeds++];
    s->d = m->descriptor;
    s->data = ry_pb_pack(m, &s->len);
}

static void
s_add_file(const ProtobufCMessageDescriptor *d, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, buf);
    assert_non_null(m);
    s_add(m);
    protobuf_c_message_free_unpacked(m, NULL);
}

/* A check with every kind of value a Quantity holds, items nested. */
static void
s_add_made(void)
{
    Rongyu__Ratio ratio = RONGYU__RATIO__INIT;
    ratio.num = 923;
    ratio.den = 1000;
    Rongyu__Quantity q[5];
    for (int i = 0; i < 5; i++)
        rongyu__quantity__init(&q[i]);
    q[0].value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q[0].ratio = &ratio;
    q[1].value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    q[1].number = 88.5;
    q[1].unit = (char *)"points";
    q[1].op = (char *)"range";
    q[1].min = -1.25;
    q[1].max = 1e300;
    q[2].value_case = RONGYU__QUANTITY__VALUE_COUNT;
    q[2].count = -7; /* ten bytes */
    q[3].value_case = RONGYU__QUANTITY__VALUE_TEXT;
    q[3].text = (char *)"萧山区总工会";
    Rongyu__Quantity *inner[] = {&q[0], &q[1]};
    q[3].n_items = 2;
    q[3].items = inner;
    Rongyu__Quantity *outer[] = {&q[3], &q[2]};
    q[4].value_case = RONGYU__QUANTITY__VALUE_DATE;
    q[4].date = (char *)"2018-12-07";
    q[4].n_items = 2;
    q[4].items = outer;
    Rongyu__Check c = RONGYU__CHECK__INIT;
    c.rule = 300; /* two bytes */
    c.passed = true;
    c.needs_review = true;
    c.subject = (char *)"rate";
    c.threshold_value = &q[1];
    c.actual_value = &q[4];
    s_add(&c.base);
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    Rongyu__Check *checks[] = {&c};
    uint32_t steps[] = {0, 1, 2 << 1 | 1, 1u << 31, 70000};
    sv.eligible = true;
    sv.n_checks = 1;
    sv.checks = checks;
    sv.n_steps = 5;
    sv.steps = steps;
    sv.ruleset_version = (char *)"v3";
    sv.decided_at_ms = 1543654800000;
    s_add(&sv.base);
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    ProtobufCBinaryData items[] = {
        {3, (uint8_t *)"abc"}, {0, NULL}, {1, (uint8_t *)"\0"}};
    e.kind = RONGYU__ENVELOPE_KIND__DATA;
    e.sender_id = (char *)"intake";
    e.link_seq = UINT64_MAX;
    e.payload.len = 2;
    e.payload.data = (uint8_t *)"\x08\x01";
    e.n_items = 3;
    e.items = items;
    s_add(&e.base);
}

static int
s_setup(void **state)
{
    (void)state;
    static const char *const apps[] = {
        "advanced_home.valid.json", "model_home.valid.json",
        "excellent_worker.valid.json", "advanced_small_home.valid.json"};
    for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/examples/%s", RY_SOURCE_DIR, apps[i]);
        Rongyu__Application *app = NULL;
        ry_json_error_t err;
        assert_int_equal(ry_json_application_load(path, &app, &err), 0);
        s_add(&app->base);
        Rongyu__SubmitRequest sr = RONGYU__SUBMIT_REQUEST__INIT;
        sr.application = app;
        Rongyu__Request rq = RONGYU__REQUEST__INIT;
        rq.request_id = (char *)"r1";
        rq.idempotency_key = (char *)"k1";
        rq.body_case = RONGYU__REQUEST__BODY_SUBMIT;
        rq.submit = &sr;
        s_add(&rq.base);
        ry_json_application_free(&app);
    }
    static const struct {
        const ProtobufCMessageDescriptor *d;
        const char *dir;
    } corpora[] = {{&rongyu__request__descriptor, "request"},
                   {&rongyu__envelope__descriptor, "envelope"}};
    for (size_t i = 0; i < sizeof corpora / sizeof corpora[0]; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", RY_SOURCE_DIR,
                 corpora[i].dir);
        DIR *dh = opendir(dir);
        assert_non_null(dh);
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            s_add_file(corpora[i].d, path);
        }
        closedir(dh);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/verdict/landed",
             RY_SOURCE_DIR);
    s_add_file(&rongyu__verdict__descriptor, path);
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/verdict/stored",
             RY_SOURCE_DIR);
    s_add_file(&rongyu__stored_verdict__descriptor, path);
    s_add_made();
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < s_nseeds; i++)
        free(s_seeds[i].data);
    s_nseeds = 0;
    return 0;
}

/* m packed both ways: the same bytes. */
static void
s_assert_packs_the_same(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m), len;
    uint8_t *want = malloc(n + 1);
    assert_non_null(want);
    assert_int_equal(protobuf_c_message_pack(m, want), n);
    uint8_t *got = ry_pb_pack(m, &len);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    free(got);
    free(want);
}

/* How often ry_pb_unpack_texts was sure of the texts at a bound of
 * S_TEXT_MAX bytes, and how often it was not where its own reading
 * decoded them and ry_text_check passed them. */
#define S_TEXT_MAX 16
static size_t s_texts_sure, s_texts_unsure;

/* Bytes decoded as d both ways. Returns 1 when the short way read them
 * (then the same as protobuf-c), 0 when it left them; ry_pb_unpack
 * decodes what protobuf-c decodes, the same, and so does
 * ry_pb_unpack_texts, whose texts pass ry_text_check wherever it is sure
 * of them. */
static int
s_compare(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len)
{
    ProtobufCMessage *p = protobuf_c_message_unpack(d, NULL, len, data);
    ProtobufCMessage *s = ry_pb_unpack_short(d, data, len, 0);
    ProtobufCMessage *u = ry_pb_unpack(d, data, len, 0);
    bool sure = true;
    ProtobufCMessage *t =
        ry_pb_unpack_texts(d, data, len, 0, S_TEXT_MAX, &sure);
    if (s) {
        assert_non_null(p);
        assert_true(ut_pb_same(s, p));
    }
    assert_int_equal(!u, !p);
    if (u)
        assert_true(ut_pb_same(u, p));
    assert_int_equal(!t, !p);
    if (t) {
        assert_true(ut_pb_same(t, p));
        char why[400];
        int checked = ry_text_check(t, S_TEXT_MAX, why, sizeof why);
        if (sure) {
            assert_non_null(s);
            assert_int_equal(checked, 0);
            s_texts_sure++;
        } else if (checked == 0 && s) {
            s_texts_unsure++;
        }
    } else {
        assert_false(sure);
    }
    ry_pb_free(&t);
    if (p) {
        s_assert_packs_the_same(p);
        protobuf_c_message_free_unpacked(p, NULL);
    }
    ry_pb_free(&u);
    int read = s != NULL;
    ry_pb_free(&s);
    return read;
}

/* The services' messages, each as what it is and as every other; their
 * texts sure to pass ry_text_check as decoded. */
static void
test_real_messages_read_as_protobuf_c_reads_them(void **state)
{
    (void)state;
    assert_true(s_nseeds > 20);
    for (size_t i = 0; i < s_nseeds; i++) {
        assert_int_equal(
            s_compare(s_seeds[i].d, s_seeds[i].data, s_seeds[i].len), 1);
        /* their texts, valid and under the bound, are sure on the way */
        bool sure = false;
        ProtobufCMessage *t =
            ry_pb_unpack_texts(s_seeds[i].d, s_seeds[i].data, s_seeds[i].len, 0,
                               RY_TEXT_MAX, &sure);
        assert_non_null(t);
        assert_true(sure);
        ry_pb_free(&t);
        size_t nd;
        const ProtobufCMessageDescriptor *const *descs = ut_pb_descs(&nd);
        for (size_t k = 0; k < nd; k++)
            s_compare(descs[k], s_seeds[i].data, s_seeds[i].len);
    }
}

static uint32_t s_rng = 12345;
static uint32_t
s_rand(void)
{
    s_rng = s_rng * 1103515245u + 12345u;
    return s_rng >> 8;
}

/* Each seed changed at random 2,500 times (bytes changed, cut, doubled,
 * inserted; the message given twice), decoded as itself and as two other
 * messages. */
static void
test_changed_bytes_read_as_protobuf_c_reads_them(void **state)
{
    (void)state;
    size_t read = 0, runs = 0;
    for (size_t i = 0; i < s_nseeds; i++) {
        const s_seed_t *sd = &s_seeds[i];
        for (int r = 0; r < 2500; r++) {
            size_t cap = 2 * sd->len + 64;
            uint8_t *b = malloc(cap);
            assert_non_null(b);
            memcpy(b, sd->data, sd->len);
            size_t n = sd->len;
            int changes = 1 + (int)(s_rand() % 3);
            for (int c = 0; c < changes && n; c++) {
                size_t at = s_rand() % n;
                switch (s_rand() % 6) {
                case 0: b[at] = (uint8_t)s_rand(); break;
                case 1: b[at] ^= (uint8_t)(1u << (s_rand() % 8)); break;
                case 2: n = at; break;
                case 3: { /* a range doubled */
                    size_t k = 1 + s_rand() % 8;
                    if (at + k > n)
                        k = n - at;
                    if (n + k <= cap) {
                        memmove(b + at + k, b + at, n - at);
                        n += k;
                    }
                    break;
                }
                case 4: /* a byte inserted */
                    if (n < cap) {
                        memmove(b + at + 1, b + at, n - at);
                        b[at] = (uint8_t)s_rand();
                        n++;
                    }
                    break;
                default: /* the message given twice: its fields twice */
                    if (2 * n <= cap) {
                        memcpy(b + n, b, n);
                        n *= 2;
                    }
                }
            }
            read += s_compare(sd->d, b, n);
            size_t nd;
            const ProtobufCMessageDescriptor *const *descs = ut_pb_descs(&nd);
            s_compare(descs[s_rand() % nd], b, n);
            s_compare(descs[s_rand() % nd], b, n);
            runs++;
            free(b);
        }
    }
    /* most changes still make a message the short way reads */
    assert_true(read > runs / 10);
    /* and the texts were often sure; where its own reading was not and
     * they passed, a string came twice, or a 0 byte cut one short */
    assert_true(s_texts_sure > runs / 20);
    assert_true(s_texts_unsure < s_texts_sure / 10);
}

/* ry_pb_unpack_texts on a request's strings: sure of valid UTF-8 up to
 * the bound, never of a string past it or of one that is not UTF-8 (then
 * ry_text_check refuses it too), nor when bound 0 asks nothing. */
static void
test_texts_checked_on_the_way(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        size_t max;
        bool sure;
    } cases[] = {
        {"12345678", 8, true},      /* at the bound */
        {"123456789", 8, false},    /* past it */
        {"荣誉", 6, true},          /* six bytes */
        {"荣誉", 5, false},         /* one too many */
        {"\xe8\x8d", 8, false},     /* cut short */
        {"\xc0\xaf", 8, false},     /* overlong */
        {"\xed\xa0\x80", 8, false}, /* a surrogate */
        {"abc", 0, false},          /* no bound: nothing asked */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        req.request_id = (char *)"r-1";
        req.idempotency_key = (char *)cases[i].key;
        size_t n;
        uint8_t *b = ry_pb_pack(&req.base, &n);
        bool sure = !cases[i].sure;
        ProtobufCMessage *m = ry_pb_unpack_texts(&rongyu__request__descriptor,
                                                 b, n, 0, cases[i].max, &sure);
        assert_non_null(m);
        assert_int_equal(sure, cases[i].sure);
        char why[400];
        if (cases[i].max)
            assert_int_equal(ry_text_check(m, cases[i].max, why, sizeof why),
                             cases[i].sure ? 0 : -1);
        ry_pb_free(&m);
        free(b);
    }
}

/* Appends field 'number' with a varint or length-delimited value. */
static size_t
s_put(uint8_t *b, size_t at, uint32_t number, unsigned wire, const void *val,
      size_t vlen, uint64_t v)
{
    ry_pb_put_varint(b, &at, (uint64_t)number << 3 | wire);
    if (wire == 2) {
        ry_pb_put_varint(b, &at, vlen);
        memcpy(b + at, val, vlen);
        return at + vlen;
    }
    if (wire == 1) {
        memcpy(b + at, &v, 8);
        return at + 8;
    }
    ry_pb_put_varint(b, &at, v);
    return at;
}

/* What the short way leaves to protobuf-c, and ry_pb_unpack decodes as
 * protobuf-c does. */
static void
test_what_the_short_way_leaves(void **state)
{
    (void)state;
    uint8_t b[4096], sub[64];
    size_t n, m;
    /* a message field given twice: protobuf-c merges the two (a
     * message with a oneof it does not: then it refuses both) */
    m = s_put(sub, 0, 1, 2, "hengyi", 6, 0);
    n = s_put(b, 0, 6, 2, sub, m, 0);
    m = s_put(sub, 0, 4, 0, NULL, 0, 1000);
    n = s_put(b, n, 6, 2, sub, m, 0);
    assert_int_equal(s_compare(&rongyu__union_info__descriptor, sub, m), 1);
    assert_int_equal(s_compare(&rongyu__application__descriptor, b, n), 0);
    Rongyu__Application *app = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, b, n, 0);
    assert_non_null(app);
    assert_string_equal(app->union_->name, "hengyi");
    assert_int_equal(app->union_->workers, 1000);
    ry_pb_free(&app);
    m = s_put(sub, 0, 4, 2, "points", 6, 0);
    n = s_put(b, 0, 180, 2, sub, m, 0);
    n = s_put(b, n, 180, 2, sub, m, 0);
    assert_int_equal(s_compare(&rongyu__check__descriptor, b, n), 0);
    assert_null(ry_pb_unpack(&rongyu__check__descriptor, b, n, 0));
    /* a oneof's message given twice: protobuf-c keeps the last */
    m = s_put(sub, 0, 1, 0, NULL, 0, 923);
    n = s_put(b, 0, 2, 2, sub, m, 0);
    m = s_put(sub, 0, 2, 0, NULL, 0, 1000);
    n = s_put(b, n, 2, 2, sub, m, 0);
    assert_int_equal(s_compare(&rongyu__quantity__descriptor, b, n), 0);
    Rongyu__Quantity *q = (Rongyu__Quantity *)ry_pb_unpack(
        &rongyu__quantity__descriptor, b, n, 0);
    assert_non_null(q);
    assert_int_equal(q->ratio->num, 0);
    assert_int_equal(q->ratio->den, 1000);
    ry_pb_free(&q);
    /* a oneof given twice, another member last */
    n = s_put(b, 0, 3, 2, "2018-12-07", 10, 0);
    n = s_put(b, n, 226, 0, NULL, 0, 12);
    assert_int_equal(s_compare(&rongyu__quantity__descriptor, b, n), 0);
    /* an unknown field, kept */
    n = s_put(b, 0, 4, 2, "points", 6, 0);
    n = s_put(b, n, 999, 0, NULL, 0, 1);
    assert_int_equal(s_compare(&rongyu__quantity__descriptor, b, n), 0);
    q = (Rongyu__Quantity *)ry_pb_unpack(&rongyu__quantity__descriptor, b, n,
                                         0);
    assert_int_equal(q->base.n_unknown_fields, 1);
    ry_pb_free(&q);
    /* a bool written as a fixed64 (protobuf-c reads it anyway) */
    n = s_put(b, 0, 1, 1, NULL, 0, 1);
    s_compare(&rongyu__verdict__descriptor, b, n);
    assert_null(ry_pb_unpack_short(&rongyu__verdict__descriptor, b, n, 0));
    /* items nested deeper than the short way goes */
    m = 0;
    uint8_t deep[4096];
    size_t dn = s_put(deep, 0, 4, 2, "x", 1, 0);
    for (int i = 0; i < 40; i++) {
        n = s_put(b, 0, 225, 2, deep, dn, 0);
        memcpy(deep, b, n);
        dn = n;
    }
    assert_int_equal(s_compare(&rongyu__quantity__descriptor, deep, dn), 0);
    /* a scalar and a string given twice: the last wins, read here */
    n = s_put(b, 0, 4, 2, "points", 6, 0);
    n = s_put(b, n, 6, 1, NULL, 0, 0x4000000000000000u);
    n = s_put(b, n, 4, 2, "seats", 5, 0);
    n = s_put(b, n, 6, 1, NULL, 0, 0x3ff0000000000000u);
    assert_int_equal(s_compare(&rongyu__quantity__descriptor, b, n), 1);
    /* steps packed and one by one, in one message */
    uint8_t packed[] = {0x01, 0x80, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f};
    n = s_put(b, 0, 250, 2, packed, sizeof packed, 0);
    n = s_put(b, n, 250, 0, NULL, 0, 7);
    assert_int_equal(s_compare(&rongyu__stored_verdict__descriptor, b, n), 1);
    Rongyu__StoredVerdict *sv = (Rongyu__StoredVerdict *)ry_pb_unpack_short(
        &rongyu__stored_verdict__descriptor, b, n, 0);
    assert_int_equal(sv->n_steps, 4);
    assert_int_equal(sv->steps[1], 128);
    assert_int_equal(sv->steps[2], UINT32_MAX);
    ry_pb_free(&sv);
    /* a bool of three bytes, the last naught: true, as protobuf-c reads
     * it (any bit of any byte) */
    uint8_t bool3[] = {0x08, 0x81, 0x80, 0x00};
    assert_int_equal(s_compare(&rongyu__verdict__descriptor, bool3, 4), 1);
    Rongyu__Verdict *v = (Rongyu__Verdict *)ry_pb_unpack_short(
        &rongyu__verdict__descriptor, bool3, 4, 0);
    assert_true(v->eligible);
    ry_pb_free(&v);
    /* a varint that does not end, a length past the end: refused */
    uint8_t bad1[] = {0x08, 0x80, 0x80};
    assert_int_equal(s_compare(&rongyu__verdict__descriptor, bad1, 3), 0);
    uint8_t bad2[] = {0x1a, 0x05, 'a'};
    assert_int_equal(s_compare(&rongyu__verdict__descriptor, bad2, 3), 0);
    assert_null(ry_pb_unpack(&rongyu__verdict__descriptor, bad2, 3, 0));
}

/* Values at their edges, packed as protobuf-c packs them: zeros left
 * out (a double's -0 too), a oneof member written at zero, an empty
 * submessage written, negative enums in ten bytes, lengths of one and
 * two bytes, packed lists. */
static void
test_packs_as_protobuf_c(void **state)
{
    (void)state;
    Rongyu__Quantity q = RONGYU__QUANTITY__INIT;
    s_assert_packs_the_same(&q.base);
    q.value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    q.number = 0; /* a oneof member is written at zero */
    q.min = -0.0; /* left out, as protobuf-c compares it with 0 */
    q.max = 1e-300;
    s_assert_packs_the_same(&q.base);
    q.value_case = RONGYU__QUANTITY__VALUE_TEXT;
    q.text = (char *)""; /* written: a oneof string that is not the default */
    s_assert_packs_the_same(&q.base);
    q.text = (char *)protobuf_c_empty_string; /* left out */
    s_assert_packs_the_same(&q.base);
    q.value_case = RONGYU__QUANTITY__VALUE_COUNT;
    q.count = INT64_MIN;
    Rongyu__Quantity empty = RONGYU__QUANTITY__INIT;
    Rongyu__Quantity *items[] = {&empty, &empty};
    q.n_items = 2;
    q.items = items;
    s_assert_packs_the_same(&q.base);
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    q.of = big; /* a two-byte length, inside a submessage too */
    Rongyu__Check c = RONGYU__CHECK__INIT;
    c.rule = UINT32_MAX;
    c.passed = 2; /* any true bool is written 1 */
    c.threshold_value = &q;
    c.actual_value = &empty;
    s_assert_packs_the_same(&c.base);
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.state = (Rongyu__CaseState)-1; /* ten bytes */
    s_assert_packs_the_same(&ev.base);
    Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
    char *targets[] = {(char *)"@all", (char *)"", big};
    t.n_targets = 3;
    t.targets = targets;
    s_assert_packs_the_same(&t.base);
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    uint32_t steps[200];
    for (int i = 0; i < 200; i++)
        steps[i] = (uint32_t)i * 2654435761u;
    sv.n_steps = 200; /* packed, past 127 bytes */
    sv.steps = steps;
    s_assert_packs_the_same(&sv.base);
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    ProtobufCBinaryData items2[] = {{0, NULL}, {3, (uint8_t *)"abc"}};
    e.n_items = 2;
    e.items = items2;
    e.payload.len = 0;
    e.payload.data = (uint8_t *)"x"; /* length 0: left out */
    s_assert_packs_the_same(&e.base);
}

/* A message of the types rongyu's own do not use (sint32, float, packed
 * doubles, fixed64), made by hand: what ry_pb leaves to protobuf-c. */
typedef struct {
    ProtobufCMessage base;
    int32_t a;
    float b;
    size_t n_c;
    double *c;
    uint64_t d;
} s_odd_t;

static const ProtobufCMessageDescriptor s_odd_desc;

static void
s_odd_init(ProtobufCMessage *m)
{
    memset(m, 0, sizeof(s_odd_t));
    m->descriptor = &s_odd_desc;
}

static const ProtobufCFieldDescriptor s_odd_fields[] = {
    {"a", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_SINT32, 0,
     offsetof(s_odd_t, a), NULL, NULL, 0, 0, NULL, NULL},
    {"b", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FLOAT, 0,
     offsetof(s_odd_t, b), NULL, NULL, 0, 0, NULL, NULL},
    {"c", 3, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_DOUBLE,
     offsetof(s_odd_t, n_c), offsetof(s_odd_t, c), NULL, NULL,
     PROTOBUF_C_FIELD_FLAG_PACKED, 0, NULL, NULL},
    {"d", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FIXED64, 0,
     offsetof(s_odd_t, d), NULL, NULL, 0, 0, NULL, NULL},
};
static const unsigned s_odd_by_name[] = {0, 1, 2, 3};
static const ProtobufCIntRange s_odd_ranges[] = {{1, 0}, {0, 4}};
static const ProtobufCMessageDescriptor s_odd_desc = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "rongyu.test.Odd",
    "Odd",
    "Odd",
    "rongyu.test",
    sizeof(s_odd_t),
    4,
    s_odd_fields,
    s_odd_by_name,
    1,
    s_odd_ranges,
    s_odd_init,
    NULL,
    NULL,
    NULL};

/* Each such type sends the message to protobuf-c both ways: ry_pb_pack
 * writes protobuf-c's bytes, the short way does not read them and
 * ry_pb_unpack gives protobuf-c's members. A double in a repeated field
 * written one by one (not packed) the short way reads. */
static void
test_types_left_to_protobuf_c(void **state)
{
    (void)state;
    double c[] = {1.0, -2.5};
    s_odd_t only_a = {.base = PROTOBUF_C_MESSAGE_INIT(&s_odd_desc), .a = -3};
    s_odd_t only_b = {.base = PROTOBUF_C_MESSAGE_INIT(&s_odd_desc), .b = 1.5f};
    s_odd_t only_c = {
        .base = PROTOBUF_C_MESSAGE_INIT(&s_odd_desc), .n_c = 2, .c = c};
    s_odd_t only_d = {.base = PROTOBUF_C_MESSAGE_INIT(&s_odd_desc), .d = 7};
    const s_odd_t *all[] = {&only_a, &only_b, &only_c, &only_d};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        s_assert_packs_the_same(&all[i]->base);
        size_t n;
        uint8_t *b = ry_pb_pack(&all[i]->base, &n);
        assert_true(n > 0);
        assert_int_equal(s_compare(&s_odd_desc, b, n), 0);
        free(b);
    }
    uint8_t one[20];
    size_t n = s_put(one, 0, 3, 1, NULL, 0, 0x3ff0000000000000u);
    n = s_put(one, n, 3, 1, NULL, 0, 0xc004000000000000u);
    assert_int_equal(s_compare(&s_odd_desc, one, n), 1);
}

/* The cap holds the short way too: a message that needs more is
 * refused. */
static void
test_cap_holds(void **state)
{
    (void)state;
    uint8_t b[4096];
    size_t n = 0;
    for (int i = 0; i < 500; i++)
        n = s_put(b, n, 9, 2, "", 0, 0); /* targets: 500 empty strings */
    ProtobufCMessage *m =
        ry_pb_unpack(&rongyu__notify_timer__descriptor, b, n, 0);
    assert_non_null(m);
    ry_pb_free(&m);
    m = ry_pb_unpack(&rongyu__notify_timer__descriptor, b, n, 4096);
    assert_null(m);
    assert_null(
        ry_pb_unpack_short(&rongyu__notify_timer__descriptor, b, n, 4096));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_messages_read_as_protobuf_c_reads_them),
        cmocka_unit_test(test_changed_bytes_read_as_protobuf_c_reads_them),
        cmocka_unit_test(test_what_the_short_way_leaves),
        cmocka_unit_test(test_packs_as_protobuf_c),
        cmocka_unit_test(test_types_left_to_protobuf_c),
        cmocka_unit_test(test_cap_holds),
        cmocka_unit_test(test_texts_checked_on_the_way),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
