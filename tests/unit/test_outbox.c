/* Tests of ry_outbox: the link state in LMDB, without any socket: outbox
 * rows and their sequence numbers, cumulative acks, the last applied per
 * sender, dead letters and their bounds, all inside the caller's
 * transaction; the envelopes' bytes against protobuf-c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_outbox.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ut_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_tables[] = {RY_OUTBOX_TABLES, NULL};

typedef struct {
    char dir[256];
    ry_store_t *st;
} fx_t;

static int
s_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "outbox"), 0);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, 64 << 20, s_tables), 0);
    *state = fx;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *fx = *state;
    ry_store_destroy(&fx->st);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    return 0;
}

static ry_txn_t *
s_begin(fx_t *fx, bool write)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, write, &txn), 0);
    return txn;
}

static void
s_append(ry_txn_t *txn, const char *peer, const char *payload, uint64_t want)
{
    uint64_t seq = 0;
    assert_int_equal(ry_outbox_append(txn, "me", peer,
                                      RONGYU__MESSAGE_TYPE__CASE_EVENT, "c1",
                                      payload, strlen(payload), &seq),
                     0);
    assert_int_equal(seq, want);
}

static ry_outbox_state_t
s_state(fx_t *fx, const char *peer)
{
    ry_txn_t *txn = s_begin(fx, false);
    ry_outbox_state_t st;
    assert_int_equal(ry_outbox_state(txn, peer, &st), 0);
    ry_txn_abort(&txn);
    return st;
}

static void
test_appends_number_rows_and_an_abort_takes_no_number(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    s_append(txn, "b", "m1", 1);
    s_append(txn, "b", "m2", 2);
    s_append(txn, "c", "x1", 1);
    assert_int_equal(ry_txn_commit(&txn), 0);

    /* An aborted transaction and an aborted nested one leave no trace. */
    txn = s_begin(fx, true);
    s_append(txn, "b", "lost", 3);
    ry_txn_abort(&txn);
    txn = s_begin(fx, true);
    ry_txn_t *nt;
    assert_int_equal(ry_txn_begin(fx->st, txn, true, &nt), 0);
    s_append(nt, "b", "lost", 3);
    ry_txn_abort(&nt);
    s_append(txn, "b", "m3", 3);
    assert_int_equal(ry_txn_commit(&txn), 0);

    ry_outbox_state_t st = s_state(fx, "b");
    assert_int_equal(st.next_seq, 4);
    assert_int_equal(st.acked, 0);
    txn = s_begin(fx, false);
    uint64_t depth;
    assert_int_equal(ry_outbox_depth(txn, "b", &depth), 0);
    assert_int_equal(depth, 3);
    ry_val_t v;
    assert_int_equal(ry_outbox_row(txn, "b", 3, &v), 0);
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, v.data, v.len, 0);
    assert_non_null(e);
    assert_int_equal(e->kind, RONGYU__ENVELOPE_KIND__DATA);
    assert_int_equal(e->link_seq, 3);
    assert_string_equal(e->sender_id, "me");
    assert_memory_equal(e->payload.data, "m3", 2);
    ry_pb_free(&e);
    assert_int_equal(ry_outbox_row(txn, "b", 4, &v), RY_ENOTFOUND);
    ry_txn_abort(&txn);
    /* A bad peer name is refused. */
    txn = s_begin(fx, true);
    assert_int_equal(ry_outbox_append(txn, "me", "", 1, "", "x", 1, NULL),
                     RY_EINVAL);
    ry_txn_abort(&txn);
}

static void
test_cumulative_ack_deletes_rows_up_to_it_and_ignores_the_rest(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    for (uint64_t i = 1; i <= 5; i++)
        s_append(txn, "b", "m", i);
    bool adv;
    assert_int_equal(ry_outbox_ack(txn, "b", 3, &adv), 0);
    assert_true(adv);
    /* Stale, and beyond what was ever sent: nothing changes. */
    assert_int_equal(ry_outbox_ack(txn, "b", 2, &adv), 0);
    assert_false(adv);
    assert_int_equal(ry_outbox_ack(txn, "b", 9, &adv), 0);
    assert_false(adv);
    assert_int_equal(ry_txn_commit(&txn), 0);
    ry_outbox_state_t st = s_state(fx, "b");
    assert_int_equal(st.acked, 3);
    assert_int_equal(st.next_seq, 6);
    txn = s_begin(fx, true);
    assert_int_equal(ry_outbox_ack(txn, "b", 5, &adv), 0);
    assert_true(adv);
    uint64_t rows;
    assert_int_equal(ry_txn_count(txn, "ry_outbox", &rows), 0);
    assert_int_equal(rows, 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    /* Numbering goes on after the outbox emptied. */
    st = s_state(fx, "b");
    assert_int_equal(st.acked, 5);
    assert_int_equal(st.next_seq, 6);
    txn = s_begin(fx, true);
    s_append(txn, "b", "m6", 6);
    assert_int_equal(ry_txn_commit(&txn), 0);
}

/* ry_outbox_unapplied: of the rows left (acked + 1 .. next_seq - 1),
 * those after what the peer applied; none when it applied them all,
 * all when it applied none, an empty outbox none whatever it says. */
static void
test_unapplied_rows_are_those_after_the_peers_applied(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    uint64_t n = 9;
    assert_int_equal(ry_outbox_unapplied(txn, "b", 0, &n), 0);
    assert_int_equal(n, 0); /* never sent */
    for (uint64_t i = 1; i <= 6; i++)
        s_append(txn, "b", "m", i);
    assert_int_equal(ry_outbox_ack(txn, "b", 2, NULL), 0);
    /* Rows 3..6 are left. */
    const uint64_t applied[] = {0, 1, 2, 3, 5, 6, 7, 100};
    const uint64_t want[] = {4, 4, 4, 3, 1, 0, 0, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        assert_int_equal(ry_outbox_unapplied(txn, "b", applied[i], &n), 0);
        if (n != want[i])
            fail_msg("peer applied %" PRIu64 ": %" PRIu64 " unapplied, want "
                     "%" PRIu64,
                     applied[i], n, want[i]);
    }
    assert_int_equal(ry_outbox_ack(txn, "b", 6, NULL), 0);
    assert_int_equal(ry_outbox_unapplied(txn, "b", 0, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
}

/* ry_outbox_depth_reaches(n) agrees with ry_outbox_depth >= n for every
 * n, as rows are appended and acknowledged, the outbox emptied too. */
static void
s_check_reaches(fx_t *fx, const char *peer)
{
    ry_txn_t *txn = s_begin(fx, false);
    uint64_t depth;
    assert_int_equal(ry_outbox_depth(txn, peer, &depth), 0);
    for (uint64_t n = 0; n <= depth + 3; n++) {
        bool yes = !(n <= depth);
        assert_int_equal(ry_outbox_depth_reaches(txn, peer, n, &yes), 0);
        assert_int_equal(yes, n <= depth);
    }
    ry_txn_abort(&txn);
}

typedef struct {
    uint64_t seqs[16];
    int n, stop_after;
} s_seen_t;

static int
s_see(uint64_t seq, const ry_val_t *env, void *arg)
{
    s_seen_t *s = arg;
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, env->data, env->len, 0);
    assert_non_null(e);
    assert_int_equal(e->link_seq, seq);
    ry_pb_free(&e);
    s->seqs[s->n++] = seq;
    return s->n == s->stop_after;
}

static void
test_depth_reaches_and_rows_follow_appends_and_acks(void **state)
{
    fx_t *fx = *state;
    s_check_reaches(fx, "b"); /* nothing ever appended */
    ry_txn_t *txn = s_begin(fx, true);
    for (uint64_t i = 1; i <= 6; i++)
        s_append(txn, "b", "m", i);
    s_append(txn, "c", "x", 1);
    assert_int_equal(ry_txn_commit(&txn), 0);
    s_check_reaches(fx, "b");
    s_check_reaches(fx, "c");

    /* The rows from 3 on, in order, the other peer's not among them; and
     * a visit the callback stops. */
    txn = s_begin(fx, false);
    s_seen_t seen = {.stop_after = 0};
    assert_int_equal(ry_outbox_rows(txn, "b", 3, s_see, &seen), 0);
    assert_int_equal(seen.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(seen.seqs[i], 3 + (uint64_t)i);
    s_seen_t two = {.stop_after = 2};
    assert_int_equal(ry_outbox_rows(txn, "b", 1, s_see, &two), 0);
    assert_int_equal(two.n, 2);
    s_seen_t none = {.stop_after = 0};
    assert_int_equal(ry_outbox_rows(txn, "b", 7, s_see, &none), 0);
    assert_int_equal(none.n, 0);
    ry_txn_abort(&txn);

    /* Acknowledged rows are gone from both. */
    bool adv;
    txn = s_begin(fx, true);
    assert_int_equal(ry_outbox_ack(txn, "b", 4, &adv), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    s_check_reaches(fx, "b");
    txn = s_begin(fx, false);
    s_seen_t rest = {.stop_after = 0};
    assert_int_equal(ry_outbox_rows(txn, "b", 1, s_see, &rest), 0);
    assert_int_equal(rest.n, 2);
    assert_int_equal(rest.seqs[0], 5);
    ry_txn_abort(&txn);
    txn = s_begin(fx, true);
    assert_int_equal(ry_outbox_ack(txn, "b", 6, &adv), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    s_check_reaches(fx, "b"); /* emptied: 6 appended, none waiting */
}

/* A counter row that is not a counter (shorter than 8 bytes: a store
 * damaged or written by something else) is an error for everything that
 * reads it, never a count from 0 again: no row is numbered or relayed
 * from it, and the other peers' links go on. */
static void
test_a_broken_counter_is_an_error_not_a_new_count(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    s_append(txn, "b", "m", 1);
    s_append(txn, "b", "m", 2);
    s_append(txn, "c", "x", 1);
    assert_int_equal(
        ry_txn_put(txn, "ry_seq", "out|b", 5, "\x01\x02\x03", 3, 0), 0);
    assert_int_equal(ry_txn_put(txn, "ry_seq", "in|d", 4, "\x01", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);

    txn = s_begin(fx, true);
    bool yes = true;
    assert_int_equal(ry_outbox_depth_reaches(txn, "b", 1, &yes), RY_EIO);
    assert_false(yes);
    ry_outbox_state_t st;
    assert_int_equal(ry_outbox_state(txn, "b", &st), RY_EIO);
    uint64_t seq = 0;
    assert_int_equal(ry_outbox_append(txn, "me", "b",
                                      RONGYU__MESSAGE_TYPE__CASE_EVENT, "c1",
                                      "m", 1, &seq),
                     RY_EIO);
    assert_int_equal(seq, 0);
    uint64_t applied = 7;
    assert_int_equal(ry_outbox_applied(txn, "d", &applied), RY_EIO);
    assert_int_equal(ry_outbox_state(txn, "d", &st), RY_EIO);
    /* Another peer's link is whole. */
    assert_int_equal(ry_outbox_depth_reaches(txn, "c", 1, &yes), 0);
    assert_true(yes);
    s_append(txn, "c", "x", 2);
    ry_txn_abort(&txn);

    /* The rows already there stay as they were. */
    txn = s_begin(fx, false);
    s_seen_t seen = {.stop_after = 0};
    assert_int_equal(ry_outbox_rows(txn, "b", 1, s_see, &seen), 0);
    assert_int_equal(seen.n, 2);
    ry_txn_abort(&txn);
}

static void
test_applied_counter_per_sender(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    assert_int_equal(ry_outbox_set_applied(txn, "a", 7), 0);
    assert_int_equal(ry_outbox_set_applied(txn, "z", 2), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_state(fx, "a").applied, 7);
    assert_int_equal(s_state(fx, "z").applied, 2);
    assert_int_equal(s_state(fx, "q").applied, 0);
    /* ry_outbox_applied reads the same counter alone. */
    txn = s_begin(fx, false);
    uint64_t n = 99;
    assert_int_equal(ry_outbox_applied(txn, "a", &n), 0);
    assert_int_equal(n, 7);
    assert_int_equal(ry_outbox_applied(txn, "q", &n), 0);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(ry_outbox_applied(txn, "", &n), 0); /* no peer */
    assert_int_equal(n, 0);
    ry_txn_abort(&txn);
}

static int
s_count_dead(const ry_outbox_dead_t *d, void *arg)
{
    (void)d;
    (*(int *)arg)++;
    return 0;
}

static void
test_dead_letters_are_bounded_per_sender_and_refusals_counted(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    uint8_t frame[4096];
    memset(frame, 'x', sizeof frame);
    for (int i = 0; i < RY_OUTBOX_DEAD_ROWS_STRANGER + 50; i++)
        assert_int_equal(ry_outbox_dead(txn, "in", RY_OUTBOX_STRANGER, 0,
                                        "frame does not decode", frame,
                                        sizeof frame),
                         0);
    /* A configured peer's dead letters have their own bound. */
    assert_int_equal(
        ry_outbox_dead(txn, "in", "a", 5, "invalid input", "p5", 2), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);

    txn = s_begin(fx, false);
    uint64_t kept, refused;
    assert_int_equal(ry_outbox_dead_counts(txn, &kept, &refused), 0);
    assert_int_equal(kept, RY_OUTBOX_DEAD_ROWS_STRANGER + 1);
    assert_int_equal(refused, 50);
    int n = 0;
    assert_int_equal(ry_outbox_dead_scan(txn, NULL, s_count_dead, &n), 0);
    assert_int_equal(n, RY_OUTBOX_DEAD_ROWS_STRANGER + 1);
    /* The stranger's frames stop being kept past their byte bound. */
    ry_outbox_dead_t d;
    char key[64];
    snprintf(key, sizeof key, "in|?|%020llu",
             (unsigned long long)(((uint64_t)1 << 62) +
                                  RY_OUTBOX_DEAD_ROWS_STRANGER));
    assert_int_equal(ry_outbox_dead_get(txn, key, &d), 0);
    assert_int_equal(d.frame_len, 0);
    assert_non_null(strstr(d.reason, "frame not kept"));
    assert_int_equal(ry_outbox_dead_get(txn, "in|a|00000000000000000005", &d),
                     0);
    assert_string_equal(d.dir, "in");
    assert_string_equal(d.peer, "a");
    assert_int_equal(d.seq, 5);
    assert_string_equal(d.reason, "invalid input");
    assert_int_equal(d.frame_len, 2);
    assert_memory_equal(d.frame, "p5", 2);
    ry_txn_abort(&txn);

    /* Dropping one frees its place. */
    txn = s_begin(fx, true);
    assert_int_equal(ry_outbox_dead_drop(txn, "in|a|00000000000000000005"), 0);
    assert_int_equal(ry_outbox_dead_drop(txn, "in|a|00000000000000000005"),
                     RY_ENOTFOUND);
    assert_int_equal(ry_txn_commit(&txn), 0);
    txn = s_begin(fx, false);
    assert_int_equal(ry_outbox_dead_counts(txn, &kept, &refused), 0);
    assert_int_equal(kept, RY_OUTBOX_DEAD_ROWS_STRANGER);
    ry_txn_abort(&txn);
}

static int
s_name(const char *peer, void *arg)
{
    strcat(arg, peer);
    strcat(arg, ",");
    return 0;
}

static void
test_peers_are_listed_once_each(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn = s_begin(fx, true);
    s_append(txn, "b", "m", 1);
    assert_int_equal(ry_outbox_set_applied(txn, "b", 1), 0);
    assert_int_equal(ry_outbox_set_applied(txn, "a", 1), 0);
    char names[64] = "";
    assert_int_equal(ry_outbox_peers(txn, s_name, names), 0);
    assert_string_equal(names, "a,b,");
    ry_txn_abort(&txn);
}

/* The envelope protobuf-c packs from the same fields: the reference for
 * the bytes ry_outbox writes field by field. */
static uint8_t *
s_reference(const char *self_id, int kind, uint64_t link_seq, uint64_t ack_seq,
            int type, const char *correlation, const void *payload, size_t plen,
            const char *reason, size_t *len)
{
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    char msg_id[96];
    e.kind = (Rongyu__EnvelopeKind)kind;
    e.sender_id = (char *)self_id;
    e.link_seq = link_seq;
    e.ack_seq = ack_seq;
    if (kind == RONGYU__ENVELOPE_KIND__DATA) {
        snprintf(msg_id, sizeof msg_id, "%.64s:%" PRIu64, self_id, link_seq);
        e.msg_id = msg_id;
    }
    e.correlation_id = (char *)correlation;
    e.schema_version = 1;
    e.type = (Rongyu__MessageType)type;
    e.payload.data = (uint8_t *)payload;
    e.payload.len = plen;
    e.reason = (char *)reason;
    uint8_t *buf = malloc(protobuf_c_message_get_packed_size(&e.base) + 1);
    assert_non_null(buf);
    *len = protobuf_c_message_pack(&e.base, buf);
    return buf;
}

static void
test_envelopes_are_the_bytes_protobuf_c_packs(void **state)
{
    (void)state;
    char long_text[301];
    memset(long_text, 'x', 300);
    long_text[300] = '\0';
    uint8_t payload[200];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)i;
    const int kinds[] = {0, 1, 2, 3, 4, 5, 6, 127, 128, 70000};
    const uint64_t seqs[] = {
        0, 1, 127, 128, 16383, 16384, UINT64_C(1) << 32, UINT64_MAX};
    const int types[] = {0, 1, 9, 127, 128, 4000};
    const char *texts[] = {NULL, "", "c", long_text};
    const char *senders[] = {"", "intake", long_text};
    const size_t plens[] = {0, 1, 127, 128, sizeof payload};
    size_t compared = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        for (size_t q = 0; q < sizeof seqs / sizeof *seqs; q++)
            for (size_t t = 0; t < sizeof types / sizeof *types; t++)
                for (size_t c = 0; c < sizeof texts / sizeof *texts; c++)
                    for (size_t p = 0; p < sizeof plens / sizeof *plens; p++) {
                        /* The sender, the ack and the reason vary with
                         * the others, so that each value meets each. */
                        const char *sender = senders[(k + c) % 3];
                        uint64_t ack = seqs[(q + t + p) % 8];
                        const char *reason = texts[(k + p) % 4];
                        size_t a, b;
                        uint8_t *mine = ry_outbox_envelope(
                            sender, kinds[k], seqs[q], ack, types[t], texts[c],
                            payload, plens[p], reason, &a);
                        uint8_t *ref = s_reference(
                            sender, kinds[k], seqs[q], ack, types[t], texts[c],
                            payload, plens[p], reason, &b);
                        assert_int_equal(a, b);
                        assert_memory_equal(mine, ref, a);
                        free(mine);
                        free(ref);
                        compared++;
                    }
    assert_int_equal(compared, 10 * 8 * 6 * 4 * 5);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_appends_number_rows_and_an_abort_takes_no_number, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_cumulative_ack_deletes_rows_up_to_it_and_ignores_the_rest,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_depth_reaches_and_rows_follow_appends_and_acks, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_broken_counter_is_an_error_not_a_new_count, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_applied_counter_per_sender,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_dead_letters_are_bounded_per_sender_and_refusals_counted,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_unapplied_rows_are_those_after_the_peers_applied, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_peers_are_listed_once_each,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_envelopes_are_the_bytes_protobuf_c_packs, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
