/* Tests of ry_channel: two channels in one process and one thread, A
 * connected to B, exchanging messages over loopback TCP. Each test keeps
 * both stores in its own mkdtemp() directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rongyu_services.pb-c.h"
#include "ry_channel.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ut_keys.h"
#include "ut_util.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#define N_MAX 200
#define N_SEEN 1200 /* sequence numbers whose handler calls are counted */
#define MAP_SIZE ((size_t)8 << 20)
#define PUMP_MS 15000

static const char *const s_tables[] = {"app", RY_CHANNEL_TABLES, NULL};

/* What one side's handler saw. */
typedef struct {
    ry_channel_t **ch;    /* the side's channel, for replies */
    int calls[N_SEEN + 2]; /* handler calls per sequence number */
    uint64_t last_seq;    /* the last sequence handed to the handler */
    _Atomic uint64_t seen; /* the same, for another thread */
    uint64_t ncalls;
    int out_of_order;          /* calls not at last_seq + 1 */
    int bad_payload;           /* payloads not what the sequence implies */
    int stored_twice;          /* "seen|seq" rows already in the store */
    uint64_t reject_seq;       /* dead-letter this one after writing
                                  (0: none) */
    uint64_t deny_seq;         /* dead-letter this one before writing */
    uint64_t io_fail_seq;      /* fail this one once with RY_EIO (0: none) */
    bool reply;                /* answer every message to its sender */
    ry_store_t *unhold;        /* at unhold_seq, lets this store's held
                                  sync go and waits for it */
    uint64_t unhold_seq;
    int held_after; /* ry_channel_held at the message after unhold_seq */
    bool log;                  /* log "applied <payload>" for each */
    const char *expect_prefix; /* "m" for requests, "re:m" for replies */
} rx_t;

typedef struct {
    char dir[256], adir[300], bdir[300];
    ry_store_t *sa, *sb;
    ry_channel_t *a, *b;
    rx_t ra, rb;
    char bep[256];
    unsigned a_window, b_batch;
    unsigned b_round_ms;        /* B's ry_channel_opts_t.round_ms */
    const char *const *b_peers; /* B's allowed senders (NULL: any) */
} fx_t;

/* ------------------------------------------------------------ helpers */

static uint64_t
s_count(ry_store_t *st, const char *table)
{
    ry_txn_t *txn;
    uint64_t n = 9999;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, table, &n), 0);
    ry_txn_abort(&txn);
    return n;
}

static uint64_t
s_app_counter(ry_store_t *st)
{
    ry_txn_t *txn;
    uint64_t n = 0;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    int rc = ry_txn_get(txn, "app", "count", 5, &v);
    if (rc == 0) {
        assert_int_equal(v.len, 8);
        n = ry_be64_get(v.data);
    } else {
        assert_int_equal(rc, RY_ENOTFOUND);
    }
    ry_txn_abort(&txn);
    return n;
}

static bool
s_app_has(ry_store_t *st, const char *key)
{
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    int rc = ry_txn_get(txn, "app", key, strlen(key), &v);
    ry_txn_abort(&txn);
    return rc == 0;
}

/* The link 'peer' of a channel, as ry_channel_links reports it. */
static ry_link_info_t
s_link(const ry_channel_t *ch, const char *peer)
{
    ry_link_info_t info[8];
    int n = ry_channel_links(ch, info, 8);
    for (int i = 0; i < n && i < 8; i++)
        if (strcmp(info[i].peer, peer) == 0)
            return info[i];
    fail_msg("no link to '%s'", peer);
    ry_link_info_t none;
    memset(&none, 0, sizeof none);
    return none;
}

/* Applies one message: records it in the store ("seen|seq", refused if
 * already there, and a persistent "count") and in memory. */
static int
s_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *m)
{
    rx_t *rx = ctx;
    if (m->seq != rx->last_seq + 1)
        rx->out_of_order++;
    rx->last_seq = m->seq;
    atomic_store(&rx->seen, m->seq);
    if (m->seq <= N_SEEN + 1)
        rx->calls[m->seq]++;
    rx->ncalls++;
    if (rx->unhold && m->seq == rx->unhold_seq + 1)
        rx->held_after = ry_channel_held(*rx->ch);
    if (rx->unhold && m->seq == rx->unhold_seq) {
        ry_store_sync_hold(rx->unhold, false);
        assert_int_equal(ry_store_sync_wait(rx->unhold, -1), 0);
    }

    char want[32];
    snprintf(want, sizeof want, "%s%03" PRIu64, rx->expect_prefix, m->seq);
    if (rx->log)
        ry_error(NULL, "applied %s", want); /* shown at the tests' level */
    if (m->len != strlen(want) || memcmp(m->payload, want, m->len) != 0)
        rx->bad_payload++;

    if (m->seq == rx->io_fail_seq) {
        /* A store error, not the message's fault. */
        rx->io_fail_seq = 0;
        return RY_EIO;
    }
    if (m->seq == rx->deny_seq)
        return RY_EINVAL; /* refused before writing anything */
    if (m->seq == rx->reject_seq) {
        /* Writes and sends of a rejected message must vanish. */
        assert_int_equal(ry_txn_put(txn, "app", "rejected", 8, "x", 1, 0), 0);
        assert_int_equal(ry_channel_send(*rx->ch, txn, m->sender,
                                         RONGYU__MESSAGE_TYPE__CASE_EVENT,
                                         m->correlation, "lost", 4),
                         0);
        return RY_EINVAL;
    }

    char key[40];
    int kn = snprintf(key, sizeof key, "seen|%020" PRIu64, m->seq);
    int rc = ry_txn_put(txn, "app", key, (size_t)kn, m->payload, m->len,
                        RY_PUT_NOOVERWRITE);
    if (rc == RY_EEXIST)
        rx->stored_twice++;
    else if (rc)
        return rc;
    ry_val_t v;
    uint64_t count = 0;
    rc = ry_txn_get(txn, "app", "count", 5, &v);
    if (rc == 0)
        count = ry_be64_get(v.data);
    else if (rc != RY_ENOTFOUND)
        return rc;
    uint8_t b[8];
    ry_be64_put(b, count + 1);
    rc = ry_txn_put(txn, "app", "count", 5, b, 8, 0);
    if (rc)
        return rc;
    if (rx->reply) {
        char re[40];
        int n = snprintf(re, sizeof re, "re:%.*s", (int)m->len,
                         (const char *)m->payload);
        rc = ry_channel_send(*rx->ch, txn, m->sender,
                             RONGYU__MESSAGE_TYPE__CASE_EVENT, m->correlation,
                             re, (size_t)n);
    }
    return rc;
}

static void
s_open_a(fx_t *fx)
{
    if (!fx->sa)
        assert_int_equal(ry_store_open(&fx->sa, fx->adir, MAP_SIZE, s_tables),
                         0);
    ry_channel_opts_t o = {
        .self_id = "a",
        .store = fx->sa,
        .max_map_size = MAP_SIZE * 2,
        .window = fx->a_window,
        .on_message = s_on_message,
        .ctx = &fx->ra,
        .keys = ut_keys("a"),
    };
    assert_int_equal(ry_channel_new(&o, &fx->a), 0);
    assert_int_equal(ry_channel_connect(fx->a, "b", fx->bep), 0);
}

/* Opens B's store and channel; binds a fresh port the first time, the
 * same endpoint again after a restart. */
static void
s_open_b(fx_t *fx)
{
    assert_int_equal(ry_store_open(&fx->sb, fx->bdir, MAP_SIZE, s_tables), 0);
    ry_channel_opts_t o = {
        .self_id = "b",
        .store = fx->sb,
        .max_map_size = MAP_SIZE * 2,
        .batch = fx->b_batch,
        .round_ms = fx->b_round_ms,
        .on_message = s_on_message,
        .ctx = &fx->rb,
        .peers = fx->b_peers,
        .keys = ut_keys("b"),
    };
    assert_int_equal(ry_channel_new(&o, &fx->b), 0);
    if (!fx->bep[0]) {
        assert_int_equal(ry_channel_bind_peers(fx->b, "tcp://127.0.0.1:*"), 0);
        snprintf(fx->bep, sizeof fx->bep, "%s",
                 ry_channel_peer_endpoint(fx->b));
        assert_true(strncmp(fx->bep, "tcp://127.0.0.1:", 16) == 0);
    } else {
        assert_int_equal(ry_channel_bind_peers(fx->b, fx->bep), 0);
        assert_string_equal(ry_channel_peer_endpoint(fx->b), fx->bep);
    }
}

/* A fixture with its directories named, nothing opened yet. */
static fx_t *
s_fx_alloc(const char *name)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, name), 0);
    snprintf(fx->adir, sizeof fx->adir, "%s/a", fx->dir);
    snprintf(fx->bdir, sizeof fx->bdir, "%s/b", fx->dir);
    fx->ra.ch = &fx->a;
    fx->rb.ch = &fx->b;
    return fx;
}

static fx_t *
s_fx_make(unsigned a_window, unsigned b_batch, unsigned b_round_ms)
{
    fx_t *fx = s_fx_alloc("channel");
    fx->b_round_ms = b_round_ms;
    fx->a_window = a_window;
    fx->b_batch = b_batch;
    fx->ra.expect_prefix = "re:m";
    fx->rb.expect_prefix = "m";
    s_open_b(fx);
    s_open_a(fx);
    return fx;
}

static fx_t *
s_fx_new(unsigned a_window, unsigned b_batch)
{
    return s_fx_make(a_window, b_batch, 0);
}

static void
s_fx_destroy(fx_t **fx_p)
{
    fx_t *fx = *fx_p;
    ry_channel_destroy(&fx->a);
    ry_channel_destroy(&fx->b);
    ry_store_destroy(&fx->sa);
    ry_store_destroy(&fx->sb);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    *fx_p = NULL;
}

/* A appends messages first..last ("m001", ...) to its outbox for B, 'per'
 * messages per write transaction, committed by the test. */
static void
s_send(fx_t *fx, uint64_t first, uint64_t last, uint64_t per)
{
    ry_txn_t *txn = NULL;
    for (uint64_t i = first; i <= last; i++) {
        if (!txn)
            assert_int_equal(ry_txn_begin(fx->sa, NULL, true, &txn), 0);
        char p[16], corr[24];
        int n = snprintf(p, sizeof p, "m%03" PRIu64, i);
        snprintf(corr, sizeof corr, "case-%" PRIu64, i);
        assert_int_equal(ry_channel_send(fx->a, txn, "b",
                                         RONGYU__MESSAGE_TYPE__VALIDATE_CASE,
                                         corr, p, (size_t)n),
                         0);
        if ((i - first + 1) % per == 0 || i == last)
            assert_int_equal(ry_txn_commit(&txn), 0);
    }
}

typedef bool (*s_done_fn)(fx_t *fx, uint64_t n);

/* Runs both loops, alternately, until done() or the time limit. */
static void
s_pump(fx_t *fx, s_done_fn done, uint64_t n)
{
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (!done(fx, n)) {
        if (ry_clock_mono_ms() > until)
            fail_msg("not done in %d ms: B saw %" PRIu64 " calls, A %" PRIu64
                     ", A's outbox %" PRIu64,
                     PUMP_MS, fx->rb.ncalls, fx->ra.ncalls,
                     fx->a ? ry_channel_outbox_depth(fx->a, "b") : 0);
        if (fx->a)
            assert_int_equal(ry_channel_run_once(fx->a, 10), 0);
        if (fx->b)
            assert_int_equal(ry_channel_run_once(fx->b, 10), 0);
    }
}

static bool
s_b_applied(fx_t *fx, uint64_t n)
{
    return fx->rb.last_seq >= n;
}

static bool
s_all_done(fx_t *fx, uint64_t n)
{
    return fx->rb.last_seq >= n && ry_channel_outbox_depth(fx->a, "b") == 0;
}

/* Every sequence 1..n reached B's handler exactly once, in order. */
static void
s_assert_b_applied_once(fx_t *fx, uint64_t n)
{
    for (uint64_t s = 1; s <= n; s++)
        if (fx->rb.calls[s] != 1)
            fail_msg("B's handler saw sequence %" PRIu64 " %d times", s,
                     fx->rb.calls[s]);
    assert_int_equal(fx->rb.calls[n + 1], 0);
    assert_int_equal(fx->rb.ncalls, n);
    assert_int_equal(fx->rb.out_of_order, 0);
    assert_int_equal(fx->rb.bad_payload, 0);
    assert_int_equal(fx->rb.stored_twice, 0);
}

/* A's outbox to B is empty, in memory and in the store. */
static void
s_assert_a_drained(fx_t *fx, uint64_t n)
{
    assert_int_equal(ry_channel_outbox_depth(fx->a, "b"), 0);
    ry_link_info_t l = s_link(fx->a, "b");
    assert_int_equal(l.outbox, 0);
    assert_int_equal(l.next_seq, n + 1);
    assert_int_equal(l.acked_seq, n);
    assert_int_equal(s_count(fx->sa, "ry_outbox"), 0);
}

/* ------------------------------------------------------------ delivery */

static void
test_messages_are_applied_once_in_order_and_outbox_drains(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    s_send(fx, 1, N_MAX, 50);
    /* Committed, not yet sent: four transactions of 50 rows. */
    assert_int_equal(s_count(fx->sa, "ry_outbox"), N_MAX);
    assert_int_equal(ry_channel_outbox_depth(fx->a, "b"), N_MAX);

    s_pump(fx, s_all_done, N_MAX);
    s_assert_b_applied_once(fx, N_MAX);
    s_assert_a_drained(fx, N_MAX);
    assert_int_equal(s_app_counter(fx->sb), N_MAX);
    assert_int_equal(s_count(fx->sb, "app"), N_MAX + 1);
    ry_link_info_t lb = s_link(fx->b, "a");
    assert_int_equal(lb.applied, N_MAX);
    assert_int_equal(lb.outbox, 0);
    assert_int_equal(ry_channel_dead_count(fx->a), 0);
    assert_int_equal(ry_channel_dead_count(fx->b), 0);
    /* Nothing came back to A. */
    assert_int_equal(fx->ra.ncalls, 0);
    s_fx_destroy(&fx);
}

static void
test_receiver_restart_applies_each_message_once(void **state)
{
    (void)state;
    /* Small window and batch so that B applies the messages in rounds. */
    fx_t *fx = s_fx_new(10, 8);
    s_send(fx, 1, N_MAX, 40);
    s_pump(fx, s_b_applied, N_MAX / 2);
    assert_true(fx->rb.last_seq < N_MAX);

    /* Crash B: what is in its sockets is lost; its store is what
     * remains. A keeps trying meanwhile. */
    ry_channel_destroy(&fx->b);
    ry_store_destroy(&fx->sb);
    for (int i = 0; i < 20; i++)
        assert_int_equal(ry_channel_run_once(fx->a, 5), 0);
    assert_true(ry_channel_outbox_depth(fx->a, "b") > 0);
    s_open_b(fx);
    /* B knows where it stopped. */
    assert_int_equal(s_link(fx->b, "a").applied, fx->rb.last_seq);

    s_pump(fx, s_all_done, N_MAX);
    s_assert_b_applied_once(fx, N_MAX);
    s_assert_a_drained(fx, N_MAX);
    assert_int_equal(s_app_counter(fx->sb), N_MAX);
    assert_int_equal(s_link(fx->b, "a").applied, N_MAX);
    assert_int_equal(ry_channel_dead_count(fx->b), 0);
    s_fx_destroy(&fx);
}

static void
test_sender_restart_resends_unacked_rows_from_store(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(10, 8);
    s_send(fx, 1, N_MAX, 100);
    s_pump(fx, s_b_applied, N_MAX / 4);
    assert_true(fx->rb.last_seq < N_MAX);

    /* Restart A over the same store: the channel finds its link and the
     * unacknowledged rows. */
    ry_channel_destroy(&fx->a);
    uint64_t left = s_count(fx->sa, "ry_outbox");
    assert_true(left > 0);
    s_open_a(fx);
    assert_int_equal(ry_channel_outbox_depth(fx->a, "b"), left);
    ry_link_info_t l = s_link(fx->a, "b");
    assert_int_equal(l.next_seq, N_MAX + 1);
    assert_int_equal(l.acked_seq, N_MAX - left);

    s_pump(fx, s_all_done, N_MAX);
    s_assert_b_applied_once(fx, N_MAX);
    s_assert_a_drained(fx, N_MAX);
    assert_int_equal(s_app_counter(fx->sb), N_MAX);
    s_fx_destroy(&fx);
}

static void
test_sender_restart_before_any_send_delivers_all(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    s_send(fx, 1, 20, 7);
    /* A stops right after the commits, before its loop ever ran. */
    ry_channel_destroy(&fx->a);
    s_open_a(fx);
    assert_int_equal(ry_channel_outbox_depth(fx->a, "b"), 20);
    s_pump(fx, s_all_done, 20);
    s_assert_b_applied_once(fx, 20);
    s_assert_a_drained(fx, 20);
    s_fx_destroy(&fx);
}

static void
test_sends_of_an_aborted_txn_take_no_sequence_number(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->sa, NULL, true, &txn), 0);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(ry_channel_send(fx->a, txn, "b",
                                         RONGYU__MESSAGE_TYPE__VALIDATE_CASE,
                                         "x", "lost", 4),
                         0);
    ry_txn_abort(&txn);
    assert_int_equal(s_count(fx->sa, "ry_outbox"), 0);
    /* The loop learns the appends were not committed... */
    assert_int_equal(ry_channel_run_once(fx->a, 0), 0);
    assert_int_equal(ry_channel_outbox_depth(fx->a, "b"), 0);
    /* ...so the next messages are 1 and 2, with nothing missing. */
    s_send(fx, 1, 2, 2);
    s_pump(fx, s_all_done, 2);
    s_assert_b_applied_once(fx, 2);
    s_assert_a_drained(fx, 2);
    s_fx_destroy(&fx);
}

static bool
s_reject_done(fx_t *fx, uint64_t n)
{
    return fx->rb.last_seq >= n && ry_channel_outbox_depth(fx->a, "b") == 0 &&
           ry_channel_dead_count(fx->a) == 1;
}

typedef struct {
    char key[128];
    char reason[64];
    int n;
} dead_row_t;

static int
s_dead_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    dead_row_t *d = arg;
    d->n++;
    size_t kn = key->len < sizeof d->key - 1 ? key->len : sizeof d->key - 1;
    memcpy(d->key, key->data, kn);
    d->key[kn] = '\0';
    snprintf(d->reason, sizeof d->reason, "%.*s",
             (int)strnlen(val->data, val->len), (const char *)val->data);
    return 0;
}

static dead_row_t
s_dead_rows(ry_store_t *st)
{
    dead_row_t d;
    memset(&d, 0, sizeof d);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    assert_int_equal(
        ry_txn_scan(txn, "ry_dead", NULL, 0, NULL, 0, s_dead_row, &d), 0);
    ry_txn_abort(&txn);
    return d;
}

static void
test_rejected_message_is_dead_lettered_and_later_ones_applied(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    fx->rb.reject_seq = 5;
    s_send(fx, 1, 10, 10);
    s_pump(fx, s_reject_done, 10);

    /* B: one dead row for a:5, the rest applied once. a:5 refused after
     * writing in B's own round transaction, so that round was undone and
     * run again nested: the handler saw a:5 (and the messages of its
     * round) twice, the store keeps one run. */
    assert_int_equal(fx->rb.calls[5], 2);
    for (uint64_t s = 1; s <= 10; s++)
        assert_in_range(fx->rb.calls[s], 1, 2);
    assert_int_equal(fx->rb.stored_twice, 0);
    for (uint64_t s = 1; s <= 10; s++) {
        char key[40];
        snprintf(key, sizeof key, "seen|%020" PRIu64, s);
        assert_true(s_app_has(fx->sb, key) == (s != 5));
    }
    assert_int_equal(s_app_counter(fx->sb), 9);
    assert_false(s_app_has(fx->sb, "seen|00000000000000000005"));
    assert_true(s_app_has(fx->sb, "seen|00000000000000000006"));
    assert_int_equal(ry_channel_dead_count(fx->b), 1);
    dead_row_t db = s_dead_rows(fx->sb);
    assert_int_equal(db.n, 1);
    assert_string_equal(db.key, "in|a|00000000000000000005");
    assert_string_equal(db.reason, ry_strerror(RY_EINVAL));
    assert_int_equal(s_link(fx->b, "a").applied, 10);

    /* The rejected handler's writes and sends vanished. */
    assert_false(s_app_has(fx->sb, "rejected"));
    assert_int_equal(s_count(fx->sb, "ry_outbox"), 0);
    assert_int_equal(ry_channel_outbox_depth(fx->b, "a"), 0);
    assert_int_equal(s_link(fx->b, "a").next_seq, 1);

    /* A: told by REJECT, one "out" row; its outbox drained. */
    dead_row_t da = s_dead_rows(fx->sa);
    assert_int_equal(da.n, 1);
    assert_string_equal(da.key, "out|b|00000000000000000005");
    assert_string_equal(da.reason, ry_strerror(RY_EINVAL));
    s_assert_a_drained(fx, 10);
    /* Nothing reached A's handler (the lost reply never left). */
    for (int i = 0; i < 10; i++)
        assert_int_equal(ry_channel_run_once(fx->a, 2), 0);
    assert_int_equal(fx->ra.ncalls, 0);
    s_fx_destroy(&fx);
}

/* A refusal that comes before any write leaves the round as it is: no
 * message is handled twice. */
static void
test_refusal_before_writing_keeps_the_round(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    fx->rb.deny_seq = 5;
    s_send(fx, 1, 10, 10);
    s_pump(fx, s_reject_done, 10);

    for (uint64_t s = 1; s <= 10; s++)
        assert_int_equal(fx->rb.calls[s], 1);
    assert_int_equal(fx->rb.out_of_order, 0);
    assert_int_equal(s_app_counter(fx->sb), 9);
    assert_false(s_app_has(fx->sb, "seen|00000000000000000005"));
    assert_int_equal(ry_channel_dead_count(fx->b), 1);
    s_assert_a_drained(fx, 10);
    s_fx_destroy(&fx);
}

static bool
s_replies_done(fx_t *fx, uint64_t n)
{
    return fx->ra.last_seq >= n && ry_channel_outbox_depth(fx->a, "b") == 0 &&
           ry_channel_outbox_depth(fx->b, "a") == 0;
}

static void
test_replies_reach_the_sender_exactly_once(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    fx->rb.reply = true;
    s_send(fx, 1, 50, 25);
    s_pump(fx, s_replies_done, 50);
    s_assert_b_applied_once(fx, 50);
    for (uint64_t s = 1; s <= 50; s++)
        assert_int_equal(fx->ra.calls[s], 1);
    assert_int_equal(fx->ra.ncalls, 50);
    assert_int_equal(fx->ra.out_of_order, 0);
    assert_int_equal(fx->ra.bad_payload, 0);
    assert_int_equal(s_app_counter(fx->sa), 50);
    s_assert_a_drained(fx, 50);
    ry_link_info_t lb = s_link(fx->b, "a");
    assert_int_equal(lb.next_seq, 51);
    assert_int_equal(lb.acked_seq, 50);
    assert_int_equal(lb.applied, 50);
    assert_int_equal(s_link(fx->a, "b").applied, 50);
    assert_int_equal(s_count(fx->sb, "ry_outbox"), 0);
    /* More rounds bring nothing twice. */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ry_channel_run_once(fx->a, 2), 0);
        assert_int_equal(ry_channel_run_once(fx->b, 2), 0);
    }
    assert_int_equal(fx->ra.ncalls, 50);
    assert_int_equal(fx->rb.ncalls, 50);
    s_fx_destroy(&fx);
}

/* Synced apart (ry_channel_sync_apart): B's round commits, and what it
 * answers (its ack to A, its messages to A, relayed from its outbox)
 * waits for its sync; its hooks say when it committed and when it is
 * synced. */
static int s_committed_n, s_synced_n;

static void
s_on_committed(void *ctx)
{
    (void)ctx;
    s_committed_n++;
}

static void
s_on_synced(void *ctx)
{
    (void)ctx;
    s_synced_n++;
}

static bool
s_b_committed(fx_t *fx, uint64_t n)
{
    return fx->rb.last_seq >= n && s_committed_n > 0;
}

/* The replies are in and B holds nothing (its last round, which took
 * A's acks, synced too). */
static bool
s_replies_settled(fx_t *fx, uint64_t n)
{
    return s_replies_done(fx, n) && !ry_channel_held(fx->b);
}

/* A fixture whose B syncs its commits apart (s_on_committed and
 * s_on_synced counting from 0). */
static fx_t *
s_fx_apart(void)
{
    s_committed_n = s_synced_n = 0;
    fx_t *fx = s_fx_new(0, 0);
    assert_int_equal(ry_channel_sync_apart(fx->b, s_on_committed, s_on_synced),
                     0);
    return fx;
}

static void
test_synced_apart_a_round_answers_after_its_sync(void **state)
{
    (void)state;
    fx_t *fx = s_fx_apart();
    fx->rb.reply = true;
    fx->rb.log = true;
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    ry_store_sync_hold(fx->sb, true); /* a disk that does not answer */
    s_send(fx, 1, 3, 3);
    s_pump(fx, s_b_committed, 3);
    assert_true(ry_channel_held(fx->b));
    assert_int_equal(s_synced_n, 0);
    /* Nor did its log lines: they wait for the sync too. */
    char *log = ut_stderr_text(&cap);
    assert_non_null(log);
    assert_null(strstr(log, "applied m00"));
    free(log);
    /* Applied and committed in B's store, its replies in B's outbox, but
     * nothing of it left B with its commit: A, taking in all that came,
     * still holds its three rows unacked and has no reply. (B's loop is
     * not run meanwhile: input would make it wait, before its next
     * commit, for the sync held here.) */
    assert_int_equal(s_link(fx->b, "a").applied, 3);
    for (int i = 0; i < 20; i++)
        assert_int_equal(ry_channel_run_once(fx->a, 2), 0);
    assert_true(ry_channel_held(fx->b));
    assert_int_equal(ry_channel_outbox_depth(fx->a, "b"), 3);
    assert_int_equal(fx->ra.ncalls, 0);
    assert_int_equal(s_synced_n, 0);
    /* The disk answers: the ack and the replies go, once each. */
    ry_store_sync_hold(fx->sb, false);
    s_pump(fx, s_replies_settled, 3);
    assert_true(s_synced_n >= 1);
    assert_int_equal(fx->ra.ncalls, 3);
    s_assert_b_applied_once(fx, 3);
    log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_int_equal(ut_count(log, "applied m00"), 3);
    free(log);
    fx->rb.log = false;
    /* Rounds go on as before, each answered once; rounds of many
     * messages, in which the round before is released (and relayed) as
     * soon as it is synced, from a store without the round's own rows. */
    s_send(fx, 4, 200, 50);
    s_pump(fx, s_replies_settled, 200);
    s_assert_b_applied_once(fx, 200);
    assert_int_equal(fx->ra.ncalls, 200);
    assert_int_equal(s_committed_n, s_synced_n);
    s_fx_destroy(&fx);
}

/* The child of test_synced_apart_a_failed_sync_stops_before_answering,
 * run as "test_channel --failed-sync" (a process of its own: CZMQ's
 * threads do not survive a fork): B's first sync fails. Prints the
 * fixture's directory and the key directory (an abort runs no atexit:
 * the parent removes both), then runs both sides; B must abort before A
 * hears anything of the round. Exit 3: A was answered or acknowledged;
 * 4: B went on. */
static int
s_failed_sync_child(void)
{
    fx_t *fx = s_fx_new(0, 0);
    printf("%s\n%s\n", fx->dir, ut_keys_dir());
    fflush(stdout);
    fx->rb.reply = true;
    fx->rb.log = true;
    if (ry_channel_sync_apart(fx->b, s_on_committed, s_on_synced) != 0)
        return 5;
    ry_store_sync_fail_next(fx->sb, EIO);
    s_send(fx, 1, 3, 3);
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (ry_clock_mono_ms() < until) {
        if (ry_channel_run_once(fx->a, 10) != 0)
            return 6;
        if (fx->ra.ncalls != 0 || ry_channel_outbox_depth(fx->a, "b") != 3)
            _exit(3);
        if (ry_channel_run_once(fx->b, 10) != 0)
            return 6;
    }
    _exit(4);
}

/* Synced apart, a sync that fails stops the process before the round
 * answers (no reply, no ack, no log line), and the next open of the
 * store voids the round: nothing of it was applied. */
static void
test_synced_apart_a_failed_sync_stops_before_answering(void **state)
{
    (void)state;
    int out[2];
    assert_int_equal(pipe(out), 0);
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execl("/proc/self/exe", "test_channel", "--failed-sync", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char dir[700] = {0};
    size_t n = 0;
    ssize_t got;
    while (n < sizeof dir - 1 &&
           (got = read(out[0], dir + n, sizeof dir - 1 - n)) > 0)
        n += (size_t)got;
    close(out[0]);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("the child did not abort (status %d): %s", status, log);
    assert_non_null(strstr(log, "the store failed to sync a commit"));
    assert_null(strstr(log, "applied m00")); /* the voided round's lines */
    free(log);
    char *nl = strchr(dir, '\n');
    assert_non_null(nl);
    *nl = '\0';
    const char *keys = nl + 1; /* the child's key directory */
    nl = strchr(keys, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_int_equal(ut_rmtree(keys), 0);
    /* B's store: the round whose sync failed is voided at the open. */
    char bdir[400];
    snprintf(bdir, sizeof bdir, "%s/b", dir);
    ry_store_t *sb;
    assert_int_equal(ry_store_open(&sb, bdir, MAP_SIZE, s_tables), 0);
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(sb, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "app", "count", 5, &v), RY_ENOTFOUND);
    ry_txn_abort(&txn);
    ry_store_destroy(&sb);
    assert_int_equal(ut_rmtree(dir), 0);
}

/* Releases B's held sync once B's handler has seen message 'after'
 * (from a thread: the round it is in then waits for that sync before
 * its commit, and releases the round before while it is applied). */
typedef struct {
    fx_t *fx;
    uint64_t after;
} s_unhold_t;

static void *
s_unhold(void *arg)
{
    s_unhold_t *u = arg;
    while (atomic_load(&u->fx->rb.seen) < u->after)
        ry_clock_sleep_ms(1);
    ry_store_sync_hold(u->fx->sb, false);
    return NULL;
}

/* Synced apart, the round before is released (and its outbox relayed)
 * while the next is applied, from a store without that round's rows:
 * rows the round appends still go once it commits. */
static void
test_synced_apart_rows_of_the_round_under_way_go(void **state)
{
    (void)state;
    fx_t *fx = s_fx_apart();
    /* m1 answered: B's outbox to A drained. */
    fx->rb.reply = true;
    s_send(fx, 1, 1, 1);
    s_pump(fx, s_replies_settled, 1);
    /* m2 unanswered: B's round holds nothing for A, and its sync waits. */
    fx->rb.reply = false;
    ry_store_sync_hold(fx->sb, true);
    s_send(fx, 2, 2, 1);
    s_pump(fx, s_b_committed, 2);
    assert_true(ry_channel_held(fx->b));
    /* m3 answered, in the round that releases m2's (the sync let go
     * only once m3 is in that round): its answer goes. */
    fx->rb.reply = true;
    s_unhold_t u = {fx, 3};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, s_unhold, &u), 0);
    s_send(fx, 3, 3, 1);
    s_pump(fx, s_replies_settled, 2); /* B's second message to A */
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(fx->ra.ncalls, 2);
    s_assert_b_applied_once(fx, 3);
    s_fx_destroy(&fx);
}

/* Synced apart, the round before goes out between two items of a batch
 * (the rows of one of A's rounds, in one frame) as between two messages:
 * once its sync is done, its answers wait for one item, not for the rest
 * of the batch. */
static void
test_synced_apart_the_round_before_goes_out_within_a_batch(void **state)
{
    (void)state;
    fx_t *fx = s_fx_apart();
    ry_store_sync_hold(fx->sb, true);
    s_send(fx, 1, 1, 1);
    s_pump(fx, s_b_committed, 1);
    assert_true(ry_channel_held(fx->b));
    uint64_t frames = s_link(fx->a, "b").frames;
    /* m2..m6 in one frame; m3's handler lets m1's sync go and waits for
     * it. */
    fx->rb.unhold = fx->sb;
    fx->rb.unhold_seq = 3;
    fx->rb.held_after = -1;
    s_send(fx, 2, 6, 5);
    s_pump(fx, s_all_done, 6);
    /* One frame (more only if A resent it, B holding its ack long). */
    assert_true(s_link(fx->a, "b").frames >= frames + 1);
    assert_int_equal(fx->rb.held_after, 0); /* released before m4 */
    s_assert_b_applied_once(fx, 6);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ raw peers */

/* A raw DEALER connected to B's peer endpoint with the key pair of
 * 'name' (NULL: plain text), announcing routing id 'rid'. */
static void *
s_raw_dealer_as(void *zctx, const char *endpoint, const char *name,
                const char *rid)
{
    void *d = zmq_socket(zctx, ZMQ_DEALER);
    assert_non_null(d);
    int linger = 0;
    zmq_setsockopt(d, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_setsockopt(d, ZMQ_ROUTING_ID, rid, strlen(rid)), 0);
    if (name) {
        char pub[41], sec[41], bpub[41], bsec[41];
        ut_keys_pair(name, pub, sec);
        ut_keys_pair("b", bpub, bsec);
        assert_int_equal(zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, bpub, 40), 0);
        assert_int_equal(zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
        assert_int_equal(zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    }
    assert_int_equal(zmq_connect(d, endpoint), 0);
    return d;
}

/* The probe: a key the ZAP handler admits, but not a peer of B's. */
static void *
s_raw_dealer(void *zctx, const char *endpoint)
{
    return s_raw_dealer_as(zctx, endpoint, "probe", "probe");
}

static void
test_ping_is_answered_by_pong_with_receiver_id(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    void *zctx = zmq_ctx_new();
    void *d = s_raw_dealer(zctx, fx->bep);
    Rongyu__Envelope ping = RONGYU__ENVELOPE__INIT;
    ping.kind = RONGYU__ENVELOPE_KIND__PING;
    ping.sender_id = (char *)"probe";
    size_t len;
    uint8_t *buf = ry_pb_pack(&ping.base, &len);
    assert_int_equal(zmq_send(d, buf, len, 0), (int)len);
    free(buf);

    Rongyu__Envelope *pong = NULL;
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (!pong) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(fx->b, 10), 0);
        zmq_pollitem_t it = {d, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 10) == 1) {
            uint8_t in[512];
            int n = zmq_recv(d, in, sizeof in, 0);
            assert_true(n > 0 && n < (int)sizeof in);
            pong = (Rongyu__Envelope *)ry_pb_unpack(
                &rongyu__envelope__descriptor, in, (size_t)n, 0);
            assert_non_null(pong);
        }
    }
    assert_int_equal(pong->kind, RONGYU__ENVELOPE_KIND__PONG);
    assert_string_equal(pong->sender_id, "b");
    /* It carries B's store counters. */
    assert_non_null(pong->store);
    assert_string_equal(pong->store->service, "b");
    assert_true(pong->store->used_bytes > 0);
    assert_true(pong->store->page_size > 0);
    ry_pb_free(&pong);
    /* A probe is no message: nothing applied, nothing dead. */
    assert_int_equal(fx->rb.ncalls, 0);
    assert_int_equal(ry_channel_dead_count(fx->b), 0);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

/* A has B's counters once B answered a ping of A's, after B committed. */
static bool
s_a_has_b_stats_after(fx_t *fx, uint64_t commits)
{
    ry_channel_stats_t st[RY_CHANNEL_MAX_STATS];
    int n = ry_channel_stats(fx->a, st, RY_CHANNEL_MAX_STATS);
    for (int i = 1; i < n; i++)
        if (strcmp(st[i].service, "b") == 0 && st[i].store.syncs >= commits &&
            st[i].store.commit_us > 0) /* the time came with the counts */
            return true;
    return false;
}

static void
test_pongs_bring_the_peer_store_counters(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    s_send(fx, 1, 20, 10);
    s_pump(fx, s_all_done, 20);
    ry_channel_stats_t st[RY_CHANNEL_MAX_STATS];
    assert_true(ry_channel_stats(fx->a, st, RY_CHANNEL_MAX_STATS) >= 1);
    assert_string_equal(st[0].service, "a");
    assert_true(st[0].store.syncs >= 2); /* A's two sends committed */
    assert_true(st[0].store.bytes_written > 0);
    assert_true(st[0].store.commit_us > 0);
    /* B committed what it applied; A pings every second. */
    s_pump(fx, s_a_has_b_stats_after, 1);
    assert_int_equal(ry_channel_stats(fx->a, st, 1), 1); /* cap kept */
    s_fx_destroy(&fx);
}

/* A store's counters come back from a status reply's StoreStats (and a
 * PONG's) as they went, each in its own field. */
static void
test_store_counters_come_back_from_their_message(void **state)
{
    (void)state;
    ry_channel_stats_t in, out;
    memset(&in, 0, sizeof in);
    snprintf(in.service, sizeof in.service, "intake");
    in.at_ms = 11;
    in.store.commits = 1;
    in.store.syncs = 2;
    in.store.bytes_written = 3;
    in.store.bytes_known = true;
    in.store.page_size = 4;
    in.store.used_bytes = 5;
    in.store.cases = 6;
    in.store.commit_us = 7;
    in.store.opened_ns = 8;
    in.store.sync_start_us = 9;
    in.store.answered_us = 10;
    Rongyu__StoreStats pb;
    ry_channel_stats_pb(&in, &pb);
    size_t len;
    uint8_t *buf = ry_pb_pack(&pb.base, &len);
    Rongyu__StoreStats *back = (Rongyu__StoreStats *)ry_pb_unpack(
        &rongyu__store_stats__descriptor, buf, len, 0);
    assert_non_null(back);
    ry_channel_stats_from_pb(back, &out);
    assert_string_equal(out.service, "intake");
    assert_int_equal(out.at_ms, 11);
    assert_int_equal(out.store.commits, 1);
    assert_int_equal(out.store.syncs, 2);
    assert_int_equal(out.store.bytes_written, 3);
    assert_true(out.store.bytes_known);
    assert_int_equal(out.store.page_size, 4);
    assert_int_equal(out.store.used_bytes, 5);
    assert_int_equal(out.store.cases, 6);
    assert_int_equal(out.store.commit_us, 7);
    assert_int_equal(out.store.opened_ns, 8);
    assert_int_equal(out.store.sync_start_us, 9);
    assert_int_equal(out.store.answered_us, 10);
    ry_pb_free(&back);
    free(buf);
}

/* PINGs that reached the raw ROUTER r: waits up to wait_ms for the
 * first, then takes what is there. */
static int
s_pings_at(void *r, int wait_ms)
{
    int n = 0;
    zmq_pollitem_t it = {r, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&it, 1, wait_ms) == 1) {
        uint8_t id[256], in[1024];
        assert_true(zmq_recv(r, id, sizeof id, 0) > 0);
        int len = zmq_recv(r, in, sizeof in, 0);
        assert_true(len > 0 && len < (int)sizeof in);
        Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
            &rongyu__envelope__descriptor, in, (size_t)len, 0);
        assert_non_null(e);
        n += e->kind == RONGYU__ENVELOPE_KIND__PING;
        ry_pb_free(&e);
        wait_ms = 0;
    }
    return n;
}

/* A status request's ry_channel_hello_soon: A's next PING to its peer
 * comes 100 ms after the last instead of a second, and asking on every
 * turn of A's loop still makes at most one PING per 100 ms. The peer is
 * a raw ROUTER with B's keys, which counts what A sends it. */
static void
test_hello_soon_brings_pings_forward_at_most_ten_a_second(void **state)
{
    (void)state;
    fx_t *fx = s_fx_alloc("hello"); /* A alone: B is the raw ROUTER */
    void *zctx = zmq_ctx_new();
    void *r = zmq_socket(zctx, ZMQ_ROUTER);
    assert_non_null(r);
    char bpub[41], bsec[41];
    ut_keys_pair("b", bpub, bsec);
    int on = 1, linger = 0;
    zmq_setsockopt(r, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_setsockopt(r, ZMQ_CURVE_SERVER, &on, sizeof on), 0);
    assert_int_equal(zmq_setsockopt(r, ZMQ_CURVE_SECRETKEY, bsec, 40), 0);
    assert_int_equal(zmq_bind(r, "tcp://127.0.0.1:*"), 0);
    size_t eplen = sizeof fx->bep;
    assert_int_equal(zmq_getsockopt(r, ZMQ_LAST_ENDPOINT, fx->bep, &eplen), 0);
    s_open_a(fx);
    /* The first hello, when A connects. */
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    int pings = 0;
    while (!pings) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(fx->a, 10), 0);
        pings = s_pings_at(r, 10);
    }
    /* Asked on every turn for 500 ms: a hello every 100 ms, not one a
     * turn (and not the next second's alone). */
    int64_t t0 = ry_clock_mono_ms(), turns = 0;
    pings = 0;
    while (ry_clock_mono_ms() - t0 < 500) {
        ry_channel_hello_soon(fx->a);
        assert_int_equal(ry_channel_run_once(fx->a, 1), 0);
        pings += s_pings_at(r, 0);
        turns++;
    }
    int64_t ms = ry_clock_mono_ms() - t0;
    pings += s_pings_at(r, 200); /* the last one on its way */
    assert_true(turns > 20);
    assert_true(pings >= 2);
    assert_true(pings <= ms / 100 + 2);
    zmq_close(r);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ deferred */

typedef struct {
    ry_channel_t *ch;
    uint64_t token;
} s_defer_t;

/* Client requests: "defer" is parked (its token kept), anything else is
 * answered at once with "now:" + the request. */
static int
s_defer_request(void *ctx, ry_txn_t *txn, const uint8_t *data, size_t len,
                uint8_t **reply, size_t *reply_len)
{
    (void)txn;
    s_defer_t *d = ctx;
    if (len == 5 && memcmp(data, "defer", 5) == 0) {
        d->token = ry_channel_defer(d->ch);
        assert_true(d->token > 0);
        *reply = NULL;
        return -1;
    }
    *reply = malloc(len + 4);
    assert_non_null(*reply);
    memcpy(*reply, "now:", 4);
    memcpy(*reply + 4, data, len);
    *reply_len = len + 4;
    return -1;
}

static int
s_defer_message(void *ctx, ry_txn_t *txn, const ry_msg_t *m)
{
    (void)ctx;
    (void)txn;
    (void)m;
    return 0;
}

/* Runs rounds of ch until d has a frame; returns its text (static). */
static const char *
s_recv_text(ry_channel_t *ch, void *d)
{
    static char in[128];
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    for (;;) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(ch, 10), 0);
        zmq_pollitem_t it = {d, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 10) == 1) {
            int n = zmq_recv(d, in, sizeof in - 1, 0);
            assert_true(n >= 0);
            in[n] = '\0';
            return in;
        }
    }
}

static void
test_a_deferred_reply_goes_later_to_the_same_client(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "defer"), 0);
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, dir, MAP_SIZE, s_tables), 0);
    s_defer_t d = {NULL, 0};
    ry_channel_opts_t o = {
        .self_id = "svc",
        .store = st,
        .max_map_size = MAP_SIZE,
        .on_message = s_defer_message,
        .on_request = s_defer_request,
        .ctx = &d,
        .keys = ut_keys("b"), /* the server key s_raw_dealer expects */
    };
    assert_int_equal(ry_channel_new(&o, &d.ch), 0);
    assert_int_equal(ry_channel_bind_clients(d.ch, "tcp://127.0.0.1:*"), 0);
    /* Outside a request there is nothing to defer. */
    assert_int_equal(ry_channel_defer(d.ch), 0);
    void *zctx = zmq_ctx_new();
    void *c = s_raw_dealer(zctx, ry_channel_client_endpoint(d.ch));

    assert_int_equal(zmq_send(c, "defer", 5, 0), 5);
    assert_int_equal(zmq_send(c, "x", 1, 0), 1);
    /* The later request is answered first; the parked one is not. */
    assert_string_equal(s_recv_text(d.ch, c), "now:x");
    assert_true(d.token > 0);
    zmq_pollitem_t it = {c, 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&it, 1, 50), 0);
    /* Answered later, outside any round, to the same client, once. */
    assert_int_equal(ry_channel_reply_deferred(d.ch, d.token, "later", 5), 0);
    assert_string_equal(s_recv_text(d.ch, c), "later");
    assert_int_equal(ry_channel_reply_deferred(d.ch, d.token, "again", 5),
                     RY_ENOTFOUND);
    assert_int_equal(ry_channel_reply_deferred(d.ch, 999, "none", 4),
                     RY_ENOTFOUND);

    zmq_close(c);
    zmq_ctx_term(zctx);
    ry_channel_destroy(&d.ch);
    ry_store_destroy(&st);
    assert_int_equal(ut_rmtree(dir), 0);
}

static bool
s_b_dead(fx_t *fx, uint64_t n)
{
    return ry_channel_dead_count(fx->b) >= n;
}

static void
test_garbage_frame_is_dead_lettered_and_receiver_keeps_working(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    void *zctx = zmq_ctx_new();
    void *d = s_raw_dealer(zctx, fx->bep);
    /* A length-delimited field claiming far more bytes than follow, then
     * random bytes: no protobuf decoder accepts it. */
    uint8_t junk[64] = {0x12, 0xff, 0xff, 0xff, 0x0f};
    srand(42);
    for (size_t i = 5; i < sizeof junk; i++)
        junk[i] = (uint8_t)(rand() & 0xff);
    assert_int_equal(zmq_send(d, junk, sizeof junk, 0), (int)sizeof junk);
    s_pump(fx, s_b_dead, 1);
    assert_int_equal(ry_channel_dead_count(fx->b), 1);
    dead_row_t db = s_dead_rows(fx->sb);
    assert_int_equal(db.n, 1);
    assert_true(strncmp(db.key, "in|?|", 5) == 0);
    assert_string_equal(db.reason, "frame does not decode");
    assert_int_equal(fx->rb.ncalls, 0);

    /* B still serves A. */
    s_send(fx, 1, 5, 5);
    s_pump(fx, s_all_done, 5);
    s_assert_b_applied_once(fx, 5);
    s_assert_a_drained(fx, 5);
    assert_int_equal(ry_channel_dead_count(fx->b), 1);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

static void
test_data_from_a_stranger_makes_no_link_and_is_dead_lettered(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    /* Reopen B as a service does: it hears only from A. */
    static const char *const only_a[] = {"a", NULL};
    ry_channel_destroy(&fx->b);
    ry_store_destroy(&fx->sb);
    fx->b_peers = only_a;
    s_open_b(fx);

    void *zctx = zmq_ctx_new();
    void *d = s_raw_dealer(zctx, fx->bep);
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    e.kind = RONGYU__ENVELOPE_KIND__DATA;
    e.sender_id = (char *)"probe";
    e.link_seq = 1;
    e.type = RONGYU__MESSAGE_TYPE__CASE_EVENT;
    e.payload.data = (uint8_t *)"m1";
    e.payload.len = 2;
    size_t len;
    uint8_t *buf = ry_pb_pack(&e.base, &len);
    assert_int_equal(zmq_send(d, buf, len, 0), (int)len);
    free(buf);
    s_pump(fx, s_b_dead, 1);
    dead_row_t db = s_dead_rows(fx->sb);
    assert_int_equal(db.n, 1);
    assert_string_equal(db.reason, "sender's key is not a peer's");
    assert_int_equal(fx->rb.ncalls, 0);
    ry_link_info_t info[8];
    int n = ry_channel_links(fx->b, info, 8);
    for (int i = 0; i < n && i < 8; i++)
        assert_string_not_equal(info[i].peer, "probe");

    /* The configured peer is still served. */
    s_send(fx, 1, 5, 5);
    s_pump(fx, s_all_done, 5);
    s_assert_b_applied_once(fx, 5);
    s_assert_a_drained(fx, 5);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

/* Sends one DATA envelope claiming to come from 'sender' at 'seq'. */
static void
s_forge(void *d, const char *sender, uint64_t seq, const char *payload)
{
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    e.kind = RONGYU__ENVELOPE_KIND__DATA;
    e.sender_id = (char *)sender;
    e.link_seq = seq;
    e.type = RONGYU__MESSAGE_TYPE__CASE_EVENT;
    e.payload.data = (uint8_t *)payload;
    e.payload.len = strlen(payload);
    size_t len;
    uint8_t *buf = ry_pb_pack(&e.base, &len);
    zmq_send(d, buf, len, ZMQ_DONTWAIT);
    free(buf);
}

static void
test_unadmitted_key_and_plain_text_reach_nothing(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    void *zctx = zmq_ctx_new();
    void *strange = s_raw_dealer_as(zctx, fx->bep, "stranger", "a");
    void *plain = s_raw_dealer_as(zctx, fx->bep, NULL, "a");
    /* Both are queued until a handshake succeeds, which it never does:
     * a frame that got through would be dead-lettered (it names seq 1
     * with a payload A never sends) or applied. */
    s_forge(strange, "a", 1, "m1");
    s_forge(plain, "a", 1, "m1");
    int64_t until = ry_clock_mono_ms() + 1500;
    while (ry_clock_mono_ms() < until)
        assert_int_equal(ry_channel_run_once(fx->b, 20), 0);
    assert_int_equal(fx->rb.ncalls, 0);
    assert_int_equal(ry_channel_dead_count(fx->b), 0);
    /* The peer's own key still works. */
    s_send(fx, 1, 3, 3);
    s_pump(fx, s_all_done, 3);
    s_assert_b_applied_once(fx, 3);
    zmq_close(strange);
    zmq_close(plain);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

static void
test_sequence_hijack_by_an_admitted_key_is_harmless(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    static const char *const only_a[] = {"a", NULL};
    ry_channel_destroy(&fx->b);
    ry_store_destroy(&fx->sb);
    fx->b_peers = only_a;
    s_open_b(fx);
    s_send(fx, 1, 3, 3);
    s_pump(fx, s_all_done, 3);
    /* Someone admitted at the socket (not A) learns that 4 is next and
     * sends its own 4 in A's name, under A's old routing id. */
    void *zctx = zmq_ctx_new();
    void *d = s_raw_dealer_as(zctx, fx->bep, "probe", "a");
    s_forge(d, "a", 4, "m4");
    s_pump(fx, s_b_dead, 1);
    dead_row_t db = s_dead_rows(fx->sb);
    assert_string_equal(db.reason, "sender's key is not a peer's");
    /* A's real 4 and 5 are applied, not taken for duplicates. */
    s_send(fx, 4, 5, 2);
    s_pump(fx, s_all_done, 5);
    s_assert_b_applied_once(fx, 5);
    s_assert_a_drained(fx, 5);
    assert_int_equal(fx->rb.bad_payload, 0);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

/* A sends rows 1..n in one transaction; B applies each once, in order,
 * A's outbox drains, and the rows went in lo..hi frames (a resend on a
 * slow machine, no ack within the first timeout, may add one or two). */
static void
s_rows_in_frames(uint64_t n, uint64_t lo, uint64_t hi)
{
    fx_t *fx = s_fx_new(0, 0);
    s_send(fx, 1, n, n);
    s_pump(fx, s_all_done, n);
    s_assert_b_applied_once(fx, n);
    s_assert_a_drained(fx, n);
    uint64_t frames = s_link(fx->a, "b").frames;
    if (frames < lo || frames > hi)
        fail_msg("%" PRIu64 " rows went in %" PRIu64 " frames", n, frames);
    s_fx_destroy(&fx);
}

/* The rows a round finds in the outbox go to the peer in one frame (a
 * BATCH), and are applied one by one, once, in order: one frame, where
 * one frame per row would be 50. */
static void
test_rows_of_a_round_go_in_one_frame(void **state)
{
    (void)state;
    s_rows_in_frames(50, 1, 3);
}

/* A row missing from the outbox (a damaged store) stops the relay there:
 * the rows before it reach the peer, and none after it is applied,
 * however often the relay runs; numbering goes on past it. */
static void
test_a_missing_outbox_row_stops_the_relay_before_it(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    s_send(fx, 1, 10, 10);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->sa, NULL, true, &txn), 0);
    uint8_t key[10] = {'b', 0};
    ry_be64_put(key + 2, 5);
    assert_int_equal(ry_txn_del(txn, "ry_outbox", key, sizeof key), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    s_pump(fx, s_b_applied, 4);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(ry_channel_run_once(fx->a, 1), 0);
        assert_int_equal(ry_channel_run_once(fx->b, 1), 0);
    }
    assert_int_equal(fx->rb.last_seq, 4);
    assert_int_equal(fx->rb.ncalls, 4);
    assert_int_equal(s_link(fx->a, "b").next_seq, 11);
    s_fx_destroy(&fx);
}

/* A's loop, run for 300 ms with a 100 ms wait, waits instead of
 * spinning: spinning, it would turn thousands of times. */
static void
s_assert_a_waits(fx_t *fx)
{
    int64_t until = ry_clock_mono_ms() + 300;
    int turns = 0;
    while (ry_clock_mono_ms() < until) {
        assert_int_equal(ry_channel_run_once(fx->a, 100), 0);
        turns++;
    }
    assert_true(turns < 100);
}

/* Ends the capture of stderr begun at log level 'level' and checks that
 * the log said n times that A's outbox to B did not read and n times
 * that it did again. */
static void
s_assert_link_log(ut_stderr_t *err, int level, int n)
{
    ry_log_level = level;
    char *text = ut_stderr_text(err);
    ut_stderr_release(err);
    assert_non_null(text);
    assert_int_equal(ut_count(text, "outbox to b unreadable"), n);
    assert_int_equal(ut_count(text, "outbox to b readable again"), n);
    free(text);
}

/* Captures stderr at log level info; returns the level to restore. */
static int
s_capture_info(ut_stderr_t *err)
{
    assert_int_equal(ut_stderr_capture(err), 0);
    int level = ry_log_level;
    ry_log_level = RY_LOG_INFO;
    return level;
}

/* Makes A's outbox rows to B from 'seq' on fail to read. */
static void
s_rows_unreadable_from(fx_t *fx, uint64_t seq)
{
    uint8_t from[10] = {'b', 0};
    ry_be64_put(from + 2, seq);
    ry_store_fail_reads(fx->sa, "ry_outbox", from, sizeof from);
}

/* Lets A's outbox rows read again, pumps until B has applied the n rows,
 * and checks each was applied once, A drained, and the log said once
 * that the outbox did not read and once that it did again. */
static void
s_rows_mended(fx_t *fx, ut_stderr_t *err, int level, uint64_t n)
{
    ry_store_fail_reads(fx->sa, NULL, NULL, 0);
    s_pump(fx, s_all_done, n);
    s_assert_link_log(err, level, 1);
    s_assert_b_applied_once(fx, n);
    s_assert_a_drained(fx, n);
}

/* Breaks A's counter of its link to B (a row in ry_seq that is not a
 * counter) and checks that the relay then sends nothing however often A
 * runs (B applying no more than 'applied'), and that A's loop waits
 * meanwhile instead of spinning; then mends it (next sequence number
 * 'next') and pumps until B has applied 'next' - 1. */
static void
s_break_and_mend(fx_t *fx, uint64_t applied, uint64_t next)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->sa, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "ry_seq", "out|b", 5, "\x01", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(ry_channel_run_once(fx->a, 1), 0);
        assert_int_equal(ry_channel_run_once(fx->b, 1), 0);
    }
    assert_int_equal(fx->rb.ncalls, applied);
    s_assert_a_waits(fx);
    uint8_t v[8];
    ry_be64_put(v, next);
    assert_int_equal(ry_txn_begin(fx->sa, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "ry_seq", "out|b", 5, v, 8, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    s_pump(fx, s_all_done, next - 1);
}

/* A link counter that does not read (a damaged row in ry_seq) stops the
 * relay to that peer however often it runs: nothing is sent, nothing
 * numbered anew, and the loop does not spin. Once the counter reads
 * again, the rows go, each applied once. The log says each change once,
 * twice over. */
static void
test_an_unreadable_link_counter_stops_the_relay_until_it_reads(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    ut_stderr_t err;
    int level = s_capture_info(&err);
    s_send(fx, 1, 10, 10);
    s_break_and_mend(fx, 0, 11);
    s_send(fx, 11, 20, 10);
    s_break_and_mend(fx, 10, 21);
    s_assert_link_log(&err, level, 2);
    s_assert_b_applied_once(fx, 20);
    s_assert_a_drained(fx, 20);
    s_fx_destroy(&fx);
}

/* Outbox rows that do not read (LMDB failing to read their page: rows
 * 5 on, in A's store) stop the relay before them: rows 1 to 4 reach B,
 * none after however often A runs, and A's loop waits meanwhile instead
 * of spinning; the log says it once. Once they read again, rows 5 to 10
 * go, each applied once, and the log says that once. */
static void
test_unreadable_outbox_rows_stop_the_relay_until_they_read(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    ut_stderr_t err;
    int level = s_capture_info(&err);
    s_rows_unreadable_from(fx, 5);
    s_send(fx, 1, 10, 10);
    s_pump(fx, s_b_applied, 4);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(ry_channel_run_once(fx->a, 1), 0);
        assert_int_equal(ry_channel_run_once(fx->b, 1), 0);
    }
    assert_int_equal(fx->rb.ncalls, 4);
    s_assert_a_waits(fx);
    s_rows_mended(fx, &err, level, 10);
    s_fx_destroy(&fx);
}

/* A row that does not read behind a full frame of rows that do (row 550
 * of 600, B not acknowledging): each resend sends rows 1 to 549 again and
 * stops at 550, and the log says it once, not "readable again" at each
 * frame that reads; A's loop waits. Once row 550 reads, all 600 go, each
 * applied once, and the log says that once. */
static void
test_an_unreadable_row_after_a_full_frame_is_said_once(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    ut_stderr_t err;
    int level = s_capture_info(&err);
    s_rows_unreadable_from(fx, 550);
    s_send(fx, 1, 600, 600);
    /* Two frames a try (512 rows, then 37): three tries, B silent. */
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (s_link(fx->a, "b").frames < 6) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(fx->a, 50), 0);
    }
    s_assert_a_waits(fx);
    char *text = ut_stderr_text(&err);
    assert_non_null(text);
    assert_int_equal(ut_count(text, "outbox to b unreadable (its row 550)"), 1);
    assert_int_equal(ut_count(text, "outbox to b readable again"), 0);
    free(text);
    s_rows_mended(fx, &err, level, 600);
    s_fx_destroy(&fx);
}

/* More rows than a batch holds (512) go in several frames: three, not
 * one and not one per row. */
static void
test_more_rows_than_a_batch_go_in_several_frames(void **state)
{
    (void)state;
    s_rows_in_frames(1100, 3, 5);
}

/* Appends envelope e, packed, to a BATCH's items. */
static void
s_item(Rongyu__Envelope *batch, ProtobufCBinaryData *items,
       const Rongyu__Envelope *e)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&e->base, &len);
    items[batch->n_items].data = buf;
    items[batch->n_items].len = len;
    batch->n_items++;
}

/* Sends a BATCH on d and frees its items' bytes. */
static void
s_send_batch(void *d, const Rongyu__Envelope *batch)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&batch->base, &len);
    assert_int_equal(zmq_send(d, buf, len, 0), (int)len);
    free(buf);
    for (size_t i = 0; i < batch->n_items; i++)
        free(batch->items[i].data);
}

/* A batch's items are taken one by one: an item that does not decode,
 * claims another sender or is of a kind a batch does not hold is
 * dead-lettered alone; the others are applied in order and acknowledged. */
static void
test_batch_items_are_applied_or_dead_lettered_one_by_one(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    void *zctx = zmq_ctx_new();
    void *d = s_raw_dealer(zctx, fx->bep);
    ProtobufCBinaryData items[8];
    Rongyu__Envelope batch = RONGYU__ENVELOPE__INIT;
    batch.kind = RONGYU__ENVELOPE_KIND__BATCH;
    batch.sender_id = (char *)"probe";
    batch.items = items;
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    e.kind = RONGYU__ENVELOPE_KIND__DATA;
    e.sender_id = (char *)"probe";
    e.type = RONGYU__MESSAGE_TYPE__CASE_EVENT;
    e.link_seq = 1;
    e.payload.data = (uint8_t *)"m001";
    e.payload.len = 4;
    s_item(&batch, items, &e);
    items[batch.n_items].data = malloc(5);
    memcpy(items[batch.n_items].data, "\x12\xff\xff\xff\x0f", 5);
    items[batch.n_items++].len = 5;
    e.link_seq = 2;
    e.payload.data = (uint8_t *)"m002";
    e.sender_id = (char *)"a";
    s_item(&batch, items, &e);
    e.sender_id = (char *)"probe";
    Rongyu__Envelope ping = RONGYU__ENVELOPE__INIT;
    ping.kind = RONGYU__ENVELOPE_KIND__PING;
    ping.sender_id = (char *)"probe";
    s_item(&batch, items, &ping);
    s_item(&batch, items, &e);
    s_send_batch(d, &batch);
    s_pump(fx, s_b_dead, 3);
    assert_int_equal(fx->rb.ncalls, 2);
    assert_int_equal(fx->rb.calls[1], 1);
    assert_int_equal(fx->rb.calls[2], 1);
    assert_int_equal(fx->rb.out_of_order, 0);
    assert_int_equal(fx->rb.bad_payload, 0);
    assert_int_equal(ry_channel_dead_count(fx->b), 3);
    assert_int_equal(s_link(fx->b, "probe").applied, 2);
    /* The ack covers both. */
    uint64_t acked = 0;
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (acked < 2 && ry_clock_mono_ms() < until) {
        zmq_pollitem_t it = {d, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        assert_true(zmq_msg_recv(&msg, d, 0) >= 0);
        Rongyu__Envelope *ack = (Rongyu__Envelope *)ry_pb_unpack(
            &rongyu__envelope__descriptor, zmq_msg_data(&msg),
            zmq_msg_size(&msg), 0);
        if (ack && ack->kind == RONGYU__ENVELOPE_KIND__ACK)
            acked = ack->ack_seq;
        ry_pb_free(&ack);
        zmq_msg_close(&msg);
    }
    assert_int_equal(acked, 2);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

/* Sends the probe's DATA messages first..last ("m012", ...) in one BATCH
 * frame, or each in its own frame. */
static void
s_probe_send(void *d, uint64_t first, uint64_t last, bool one_frame)
{
    ProtobufCBinaryData items[64];
    Rongyu__Envelope batch = RONGYU__ENVELOPE__INIT;
    batch.kind = RONGYU__ENVELOPE_KIND__BATCH;
    batch.sender_id = (char *)"probe";
    batch.items = items;
    assert_true(last - first < 64);
    for (uint64_t seq = first; seq <= last; seq++) {
        char p[16];
        int n = snprintf(p, sizeof p, "m%03" PRIu64, seq);
        Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
        e.kind = RONGYU__ENVELOPE_KIND__DATA;
        e.sender_id = (char *)"probe";
        e.type = RONGYU__MESSAGE_TYPE__CASE_EVENT;
        e.link_seq = seq;
        e.payload.data = (uint8_t *)p;
        e.payload.len = (size_t)n;
        size_t len;
        uint8_t *buf = ry_pb_pack(&e.base, &len);
        if (one_frame) {
            items[batch.n_items].data = buf;
            items[batch.n_items++].len = len;
        } else {
            assert_int_equal(zmq_send(d, buf, len, 0), (int)len);
            free(buf);
        }
    }
    if (one_frame)
        s_send_batch(d, &batch);
}

/* Runs B's loop alone (A sends nothing, not even a PING) until B's handler
 * has seen sequence n. Returns the monotonic time then. */
static int64_t
s_pump_b(fx_t *fx, uint64_t n)
{
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (fx->rb.last_seq < n) {
        if (ry_clock_mono_ms() > until)
            fail_msg("B saw %" PRIu64 " of %" PRIu64 " in %d ms",
                     fx->rb.last_seq, n, PUMP_MS);
        assert_int_equal(ry_channel_run_once(fx->b, 10), 0);
    }
    return ry_clock_mono_ms();
}

/* A peer slower to acknowledge than the link's first timer (250 ms):
 * while B reads nothing for 700 ms after each row, A sends the first row
 * again when that timer runs out, and the later rows once only, its
 * timer now following how long B takes. Each row is applied once. */
static void
test_a_slow_peer_is_not_sent_rows_again_once_its_pace_is_known(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    enum { ROWS = 6 };
    uint64_t again[ROWS];
    for (uint64_t k = 1; k <= ROWS; k++) {
        uint64_t before = s_link(fx->a, "b").frames;
        s_send(fx, k, k, 1);
        int64_t quiet = ry_clock_mono_ms() + 700;
        while (ry_clock_mono_ms() < quiet)
            assert_int_equal(ry_channel_run_once(fx->a, 20), 0);
        uint64_t frames = s_link(fx->a, "b").frames - before;
        assert_true(frames >= 1);
        again[k - 1] = frames - 1;
        s_pump_b(fx, k);
        /* A reads B's acknowledgement: its outbox to B is empty. */
        int64_t until = ry_clock_mono_ms() + PUMP_MS;
        while (ry_channel_outbox_depth(fx->a, "b") != 0) {
            assert_true(ry_clock_mono_ms() < until);
            assert_int_equal(ry_channel_run_once(fx->a, 10), 0);
        }
    }
    assert_true(again[0] >= 1);
    for (int k = 1; k < ROWS; k++)
        assert_int_equal(again[k], 0);
    assert_int_equal(fx->rb.ncalls, ROWS);
    for (int k = 1; k <= ROWS; k++)
        assert_int_equal(fx->rb.calls[k], 1);
    s_fx_destroy(&fx);
}

/* With round_ms, a round begins no sooner than round_ms after the
 * previous one began, and takes all that came meanwhile; after a round of
 * half a batch or more (a BATCH's items counted) the next begins as soon
 * as input waits. */
static void
test_round_ms_spaces_small_rounds_but_not_after_a_full_one(void **state)
{
    (void)state;
    const unsigned gap = 1500;
    fx_t *fx = s_fx_make(0, 64, gap); /* half a batch: 32 */
    void *zctx = zmq_ctx_new();
    void *d = s_raw_dealer(zctx, fx->bep);
    int64_t t0 = ry_clock_mono_ms();
    s_probe_send(d, 1, 1, false);
    s_pump_b(fx, 1);
    /* Ten frames, ten messages: a small round, so the next waits. */
    s_probe_send(d, 2, 11, false);
    int64_t t2 = s_pump_b(fx, 11);
    if (t2 - t0 < gap)
        fail_msg("the second round ended %" PRId64 " ms after the first "
                 "message, under round_ms %u",
                 t2 - t0, gap);
    /* Forty items in one frame: half a batch and more. The second round
     * began at t0 + gap or later (t2 is when it ended), so the third at
     * t0 + 2 gap or later. */
    s_probe_send(d, 12, 51, true);
    int64_t t3 = s_pump_b(fx, 51);
    if (t3 - t0 < 2 * (int64_t)gap)
        fail_msg("the third round ended %" PRId64 " ms after the first "
                 "message, under two round_ms of %u",
                 t3 - t0, gap);
    s_probe_send(d, 52, 52, false);
    int64_t t4 = s_pump_b(fx, 52);
    if (t4 - t3 >= gap)
        fail_msg("after a round of 40 messages the next waited %" PRId64 " ms",
                 t4 - t3);
    s_assert_b_applied_once(fx, 52);
    assert_int_equal(s_link(fx->b, "probe").applied, 52);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

static void
test_routing_id_flapping_does_not_take_the_link(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    void *zctx = zmq_ctx_new();
    s_send(fx, 1, 40, 40);
    /* While A sends, a connection under A's old routing id comes and goes
     * every 50 ms; B's acks still find A at once. */
    int64_t until = ry_clock_mono_ms() + 5000;
    int64_t flap = 0;
    void *d = NULL;
    while (!s_all_done(fx, 40)) {
        int64_t now = ry_clock_mono_ms();
        assert_true(now < until);
        if (now >= flap) {
            if (d)
                zmq_close(d);
            d = s_raw_dealer_as(zctx, fx->bep, "probe", "a");
            flap = now + 50;
        }
        assert_int_equal(ry_channel_run_once(fx->a, 5), 0);
        assert_int_equal(ry_channel_run_once(fx->b, 5), 0);
    }
    s_assert_b_applied_once(fx, 40);
    s_assert_a_drained(fx, 40);
    zmq_close(d);
    zmq_ctx_term(zctx);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ store errors */

static bool
s_io_done(fx_t *fx, uint64_t n)
{
    return s_app_counter(fx->sb) >= n && ry_channel_outbox_depth(fx->a, "b") == 0;
}

static void
test_store_error_rolls_back_and_the_message_is_applied_later(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(0, 0);
    fx->rb.io_fail_seq = 5;
    s_send(fx, 1, 10, 10);
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    int failures = 0;
    while (!s_io_done(fx, 10)) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(fx->a, 10), 0);
        int rc = ry_channel_run_once(fx->b, 10);
        if (rc == RY_EIO)
            failures++;
        else
            assert_int_equal(rc, 0);
    }
    /* The round failed once, kept nothing, and was redone from A's
     * resend: every message is applied once, none is dead. */
    assert_int_equal(failures, 1);
    assert_int_equal(fx->rb.io_fail_seq, 0);
    assert_int_equal(s_app_counter(fx->sb), 10);
    assert_int_equal(s_count(fx->sb, "app"), 11);
    assert_int_equal(ry_channel_dead_count(fx->b), 0);
    assert_int_equal(ry_channel_dead_count(fx->a), 0);
    s_assert_a_drained(fx, 10);
    ry_channel_health_t h;
    ry_channel_health(fx->b, &h);
    assert_int_equal(h.failures, 0);
    assert_int_equal(h.total_failures, 1);
    assert_int_equal(h.last_error, RY_EIO);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ clients */

/* Answers a request "x" with "re:x". */
static int
s_on_echo(void *ctx, ry_txn_t *txn, const uint8_t *data, size_t len,
          uint8_t **reply, size_t *reply_len)
{
    (void)ctx;
    (void)txn;
    *reply = malloc(len + 3);
    assert_non_null(*reply);
    memcpy(*reply, "re:", 3);
    if (len)
        memcpy(*reply + 3, data, len);
    *reply_len = len + 3;
    return 0;
}

typedef struct {
    char dir[256];
    ry_store_t *st;
    ry_channel_t *ch;
    void *zctx;
    uint64_t tokens[64]; /* what ry_channel_defer gave s_on_put */
    int ntokens;
    char log[64][40]; /* the requests s_on_read was called with */
    int nlog;
} cfx_t;

/* A channel serving clients with on_request; client_replies as its
 * ry_channel_opts_t's (0: the default). */
static void
s_cfx_make(cfx_t *c, ry_on_request_fn on_request, unsigned client_replies)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(ut_tmpdir(c->dir, sizeof c->dir, "clients"), 0);
    assert_int_equal(ry_store_open(&c->st, c->dir, MAP_SIZE, s_tables), 0);
    ry_channel_opts_t o = {
        .self_id = "srv",
        .store = c->st,
        .max_map_size = MAP_SIZE * 2,
        .on_request = on_request,
        .ctx = c,
        .keys = ut_keys("b"), /* the server key the clients expect */
        .client_replies = client_replies,
    };
    assert_int_equal(ry_channel_new(&o, &c->ch), 0);
    assert_int_equal(ry_channel_bind_clients(c->ch, "tcp://127.0.0.1:*"), 0);
    c->zctx = zmq_ctx_new();
}

static void
s_cfx_new_with(cfx_t *c, ry_on_request_fn on_request)
{
    s_cfx_make(c, on_request, 0);
}

static void
s_cfx_new(cfx_t *c)
{
    s_cfx_new_with(c, s_on_echo);
}

static void
s_cfx_destroy(cfx_t *c)
{
    zmq_ctx_term(c->zctx);
    ry_channel_destroy(&c->ch);
    ry_store_destroy(&c->st);
    assert_int_equal(ut_rmtree(c->dir), 0);
}

static void *
s_client(cfx_t *c, int type)
{
    void *s = zmq_socket(c->zctx, type);
    assert_non_null(s);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    /* A CURVE client with a key the ZAP handler admits. */
    char pub[41], sec[41], bpub[41], bsec[41];
    ut_keys_pair("probe", pub, sec);
    ut_keys_pair("b", bpub, bsec);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, bpub, 40), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    assert_int_equal(zmq_connect(s, ry_channel_client_endpoint(c->ch)), 0);
    return s;
}

/* Sends the n frames of parts (NUL-terminated strings). */
static void
s_send_parts(void *s, int n, const char *const *parts)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(zmq_send(s, parts[i], strlen(parts[i]),
                                  i + 1 < n ? ZMQ_SNDMORE : 0),
                         (int)strlen(parts[i]));
}

/* One reply: its frames, joined with '|' into out. */
static bool
s_recv_joined(void *s, char *out, size_t cap)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, 0) != 1)
        return false;
    size_t used = 0;
    out[0] = '\0';
    int more = 1, nparts = 0;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        assert_true(zmq_msg_recv(&m, s, 0) >= 0);
        const char *d = zmq_msg_data(&m);
        size_t n = zmq_msg_size(&m);
        Rongyu__Reply *r = NULL;
        char text[200];
        if (n >= 3 && memcmp(d, "re:", 3) == 0)
            snprintf(text, sizeof text, "%.*s", (int)n, d);
        else if (n && (r = (Rongyu__Reply *)ry_pb_unpack(
                           &rongyu__reply__descriptor, (const uint8_t *)d, n,
                           0)) != NULL && r->code)
            snprintf(text, sizeof text, "code %d", (int)r->code);
        else
            snprintf(text, sizeof text, "%.*s", (int)n, d);
        ry_pb_free(&r);
        used += (size_t)snprintf(out + used, cap - used, "%s%s",
                                 nparts++ ? "|" : "", text);
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return true;
}

/* A round answers more than a client connection's pipe holds (here two
 * replies): the rest wait in the link and go, in order, as the pipe
 * empties; a connection that reads gets every one. One that goes with
 * replies waiting loses them, and the link serves the others. */
static void
test_replies_past_the_pipe_wait_and_go_in_order(void **state)
{
    (void)state;
    cfx_t c;
    s_cfx_make(&c, s_on_echo, 2);
    void *d = s_client(&c, ZMQ_DEALER);
    const char *g0[] = {"g0"};
    s_send_parts(d, 1, g0);
    char got[400], want[32];
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (!s_recv_joined(d, got, sizeof got)) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
    }
    assert_string_equal(got, "re:g0");
    enum { N = 300 };
    for (int i = 0; i < N; i++) {
        snprintf(want, sizeof want, "m%d", i);
        assert_int_equal(zmq_send(d, want, strlen(want), 0), (int)strlen(want));
    }
    int n = 0;
    until = ry_clock_mono_ms() + PUMP_MS;
    while (n < N) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
        while (n < N && s_recv_joined(d, got, sizeof got)) {
            snprintf(want, sizeof want, "re:m%d", n++);
            assert_string_equal(got, want);
        }
    }
    /* A connection that goes with replies waiting loses them (ZeroMQ:
     * no route), and another connection is served meanwhile. */
    for (int i = 0; i < N; i++)
        assert_int_equal(zmq_send(d, "gone", 4, 0), 4);
    until = ry_clock_mono_ms() + PUMP_MS;
    while (!s_recv_joined(d, got, sizeof got)) { /* the rest wait */
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
    }
    zmq_close(d);
    void *e = s_client(&c, ZMQ_DEALER);
    const char *e0[] = {"e0"};
    s_send_parts(e, 1, e0);
    until = ry_clock_mono_ms() + PUMP_MS;
    while (!s_recv_joined(e, got, sizeof got)) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
    }
    assert_string_equal(got, "re:e0");
    zmq_close(e);
    s_cfx_destroy(&c);
}

static void
test_every_client_frame_shape_gets_its_own_answer(void **state)
{
    (void)state;
    cfx_t c;
    s_cfx_new(&c);
    void *good = s_client(&c, ZMQ_DEALER);
    void *req = s_client(&c, ZMQ_REQ);
    void *odd = s_client(&c, ZMQ_DEALER);
    /* Wait until all three are connected, so that their messages wait
     * together and are read in one round. */
    const char *g0[] = {"g0"};
    s_send_parts(good, 1, g0);
    char got[400];
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (!s_recv_joined(good, got, sizeof got)) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
    }
    assert_string_equal(got, "re:g0");

    const char *g1[] = {"g1"}, *g2[] = {"g2"}, *g3[] = {"g3"}, *g4[] = {"g4"};
    const char *q1[] = {"q1"};
    const char *three[] = {"x", "y", "z"};      /* no delimiter */
    const char *delim[] = {"", ""};             /* delimiter, empty body */
    const char *tail[] = {"e", ""};             /* ends with a delimiter */
    const char *env[] = {"e1", "e2", "", "b"};  /* an envelope and a body */
    const char *many[40]; /* over the bound, a delimiter third */
    for (int i = 0; i < 40; i++)
        many[i] = i == 2 ? "" : "m";
    s_send_parts(good, 1, g1);
    s_send_parts(req, 1, q1);
    s_send_parts(good, 1, g2);
    s_send_parts(odd, 3, three);
    s_send_parts(odd, 2, delim);
    s_send_parts(good, 1, g3);
    s_send_parts(odd, 2, tail);
    s_send_parts(odd, 4, env);
    s_send_parts(odd, 40, many);
    s_send_parts(good, 1, g4);

    const char *want_good[] = {"re:g1", "re:g2", "re:g3", "re:g4"};
    const char *want_odd[] = {"code 1", "|re:", "e||code 1", "e1|e2||re:b",
                              "m|m||code 1"};
    int ngood = 0, nodd = 0, nreq = 0;
    until = ry_clock_mono_ms() + PUMP_MS;
    while (ngood < 4 || nodd < 5 || nreq < 1) {
        if (ry_clock_mono_ms() > until)
            fail_msg("replies: %d of 4 good, %d of 5 odd, %d of 1 REQ",
                     ngood, nodd, nreq);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
        while (s_recv_joined(good, got, sizeof got)) {
            assert_true(ngood < 4);
            assert_string_equal(got, want_good[ngood++]);
        }
        while (s_recv_joined(odd, got, sizeof got)) {
            assert_true(nodd < 5);
            assert_string_equal(got, want_odd[nodd++]);
        }
        if (s_recv_joined(req, got, sizeof got)) {
            assert_string_equal(got, "re:q1");
            nreq++;
        }
    }
    zmq_close(good);
    zmq_close(req);
    zmq_close(odd);
    s_cfx_destroy(&c);
}

/* A request "keep:K" stores K; "drop:K" stores K and refuses (-1);
 * "deny:K" refuses without writing. Each is answered "re:" and itself.
 * "wait:K" is deferred (its token kept in the cfx_t). */
static int
s_on_put(void *ctx, ry_txn_t *txn, const uint8_t *data, size_t len,
         uint8_t **reply, size_t *reply_len)
{
    cfx_t *c = ctx;
    assert_true(len > 5);
    if (memcmp(data, "wait:", 5) == 0) {
        uint64_t t = ry_channel_defer(c->ch);
        assert_true(t > 0 && c->ntokens < 64);
        c->tokens[c->ntokens++] = t;
        return -1;
    }
    int rc = 0;
    if (memcmp(data, "deny:", 5) != 0)
        rc = ry_txn_put(txn, "app", data + 5, len - 5, "x", 1, 0);
    if (rc == 0 && memcmp(data, "keep:", 5) != 0)
        rc = -1;
    s_on_echo(NULL, txn, data, len, reply, reply_len);
    return rc;
}

/* A channel answering with s_on_put, and a client of it that is
 * connected: its "keep:k0" was answered (and k0 stored). */
static void *
s_put_client_with(cfx_t *c, ry_on_request_fn on_request)
{
    s_cfx_new_with(c, on_request);
    void *cl = s_client(c, ZMQ_DEALER);
    const char *k0[] = {"keep:k0"};
    s_send_parts(cl, 1, k0);
    char got[400];
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (!s_recv_joined(cl, got, sizeof got)) {
        assert_true(ry_clock_mono_ms() < until);
        assert_int_equal(ry_channel_run_once(c->ch, 10), 0);
    }
    assert_string_equal(got, "re:keep:k0");
    return cl;
}

static void *
s_put_client(cfx_t *c)
{
    return s_put_client_with(c, s_on_put);
}

/* The deferred request 'token' answered "late" now reaches client cl. */
static void
s_assert_late(cfx_t *c, void *cl, uint64_t token)
{
    assert_int_equal(ry_channel_reply_deferred(c->ch, token, "late", 4), 0);
    char got[400];
    int64_t until = ry_clock_mono_ms() + PUMP_MS;
    while (!s_recv_joined(cl, got, sizeof got))
        assert_true(ry_clock_mono_ms() < until);
    assert_string_equal(got, "late");
}

static void
test_a_refused_request_loses_its_writes_alone(void **state)
{
    (void)state;
    cfx_t c;
    void *cl = s_put_client(&c);
    char got[400];
    int64_t until;
    /* Connected: the next ones wait together, mostly in one round. */
    const char *in[] = {"keep:a", "drop:b", "keep:c", "deny:d",
                        "keep:e", "drop:f", "keep:g"};
    for (int i = 0; i < 7; i++)
        s_send_parts(cl, 1, &in[i]);
    int n = 0;
    until = ry_clock_mono_ms() + PUMP_MS;
    while (n < 7) {
        if (ry_clock_mono_ms() > until)
            fail_msg("%d of 7 replies", n);
        assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
        while (s_recv_joined(cl, got, sizeof got)) {
            char want[40];
            snprintf(want, sizeof want, "re:%s", in[n++]);
            assert_string_equal(got, want);
        }
    }
    /* One answer each: the undone round's replies were never sent. */
    for (int i = 0; i < 10; i++)
        assert_int_equal(ry_channel_run_once(c.ch, 2), 0);
    assert_false(s_recv_joined(cl, got, sizeof got));
    const char *kept[] = {"k0", "a", "c", "e", "g"};
    for (int i = 0; i < 5; i++)
        assert_true(s_app_has(c.st, kept[i]));
    assert_false(s_app_has(c.st, "b"));
    assert_false(s_app_has(c.st, "d"));
    assert_false(s_app_has(c.st, "f"));
    assert_int_equal(s_count(c.st, "app"), 5);
    zmq_close(cl);
    s_cfx_destroy(&c);
}

/* A deferral in a round that is undone and run again is forgotten; the
 * one of the second run holds, and its reply goes out once. */
static void
test_a_deferral_of_an_undone_round_is_forgotten(void **state)
{
    (void)state;
    cfx_t c;
    void *cl = s_put_client(&c);
    char got[400];
    int64_t until;
    assert_int_equal(ry_channel_deferred_forgotten(c.ch), 0);
    /* A wait and a refusal after writing, sent together until one round
     * reads both (mostly the first time). */
    int tries = 0, replies = 0, before = 0;
    while (c.ntokens - before != 2) { /* once parked, not twice */
        assert_true(tries++ < 20);
        before = c.ntokens;
        const char *pair[] = {"wait:w", "drop:b"};
        s_send_parts(cl, 1, &pair[0]);
        s_send_parts(cl, 1, &pair[1]);
        until = ry_clock_mono_ms() + PUMP_MS;
        while (replies < tries) {
            assert_true(ry_clock_mono_ms() < until);
            assert_int_equal(ry_channel_run_once(c.ch, 10), 0);
            while (s_recv_joined(cl, got, sizeof got)) {
                assert_string_equal(got, "re:drop:b");
                replies++;
            }
        }
    }
    assert_int_equal(ry_channel_deferred_forgotten(c.ch), 1);
    uint64_t first = c.tokens[c.ntokens - 2], second = c.tokens[c.ntokens - 1];
    assert_false(ry_channel_deferred_held(c.ch, first));
    assert_true(ry_channel_deferred_held(c.ch, second));
    assert_int_equal(ry_channel_reply_deferred(c.ch, first, "late", 4),
                     RY_ENOTFOUND);
    s_assert_late(&c, cl, second);
    assert_false(s_app_has(c.st, "b"));
    zmq_close(cl);
    s_cfx_destroy(&c);
}

/* A request "fail:K" fails with a store error (its whole round is
 * undone); "read:K" reads K and answers "re:read:K=1" or "=0"; "rerr:K"
 * parks a wait, then fails with a store error; the others are
 * s_on_put's ("wait:K" is deferred). "read:", "wait:" and "rerr:" only
 * read (s_reads_only). Each call is logged in the cfx_t. */
static int
s_on_read(void *ctx, ry_txn_t *txn, const uint8_t *data, size_t len,
          uint8_t **reply, size_t *reply_len)
{
    cfx_t *c = ctx;
    assert_true(len > 5 && len < 40);
    assert_true(c->nlog < 64);
    snprintf(c->log[c->nlog++], sizeof c->log[0], "%.*s", (int)len,
             (const char *)data);
    if (memcmp(data, "fail:", 5) == 0)
        return RY_EIO;
    if (memcmp(data, "rerr:", 5) == 0) {
        /* A read that parks a wait, then meets a store error. */
        uint64_t t = ry_channel_defer(c->ch);
        assert_true(t > 0 && c->ntokens < 64);
        c->tokens[c->ntokens++] = t;
        return RY_EIO;
    }
    if (memcmp(data, "read:", 5) != 0)
        return s_on_put(ctx, txn, data, len, reply, reply_len);
    ry_val_t v;
    int rc = ry_txn_get(txn, "app", data + 5, len - 5, &v);
    if (rc != 0 && rc != RY_ENOTFOUND)
        return rc;
    char text[64];
    int n = snprintf(text, sizeof text, "re:%.*s=%d", (int)len,
                     (const char *)data, rc == 0);
    *reply = (uint8_t *)strdup(text);
    assert_non_null(*reply);
    *reply_len = (size_t)n;
    return 0;
}

static bool
s_reads_only(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    return len > 5 &&
           (memcmp(data, "read:", 5) == 0 || memcmp(data, "wait:", 5) == 0 ||
            memcmp(data, "rerr:", 5) == 0);
}

/* A round that cannot be committed (a store error, a full store) still
 * answers the requests in it that only read, from the last commit, and
 * keeps their waits; only the writes are refused. */
static void
test_reads_in_a_failed_round_are_answered(void **state)
{
    (void)state;
    cfx_t c;
    void *cl = s_put_client_with(&c, s_on_read); /* k0 stored */
    ry_channel_set_reads_only(c.ch, s_reads_only);
    char got[400];
    bool shared = false;
    int tries = 0, replies = 0;
    uint64_t token = 0, lost = 0;
    /* Sent together until one round holds the failure and the three
     * reads after it (mostly the first time). In order, the answers:
     * E_BUSY for the write, the read's, E_BUSY for the read whose store
     * failed; the wait's comes later. */
    const char *in[] = {"fail:x", "read:k0", "wait:w", "rerr:z"};
    const char *want[] = {"code 8", "re:read:k0=1", "code 8"};
    while (!shared) {
        assert_true(tries++ < 20);
        for (int i = 0; i < 4; i++)
            s_send_parts(cl, 1, &in[i]);
        int64_t until = ry_clock_mono_ms() + PUMP_MS;
        while (replies < 3 * tries) {
            assert_true(ry_clock_mono_ms() < until);
            int from = c.nlog, rc = ry_channel_run_once(c.ch, 10);
            if (rc == RY_EIO) {
                /* The round failed: the calls it made after the failure
                 * are those of the requests answered apart. */
                int f = from;
                while (f < c.nlog && strcmp(c.log[f], "fail:x") != 0)
                    f++;
                shared = f + 3 < c.nlog;
                for (int i = 1; shared && i < 4; i++)
                    shared = strcmp(c.log[f + i], in[i]) == 0;
            } else {
                assert_int_equal(rc, 0);
            }
            while (s_recv_joined(cl, got, sizeof got))
                assert_string_equal(got, want[replies++ % 3]);
        }
        token = c.tokens[c.ntokens - 2];
        lost = c.tokens[c.ntokens - 1];
        c.nlog = 0;
    }
    assert_int_equal(replies, 3 * tries);
    /* The wait taken in the failed round holds, and its answer goes out;
     * the one taken by the read that failed does not. */
    assert_true(ry_channel_deferred_held(c.ch, token));
    assert_false(ry_channel_deferred_held(c.ch, lost));
    s_assert_late(&c, cl, token);
    assert_false(s_app_has(c.st, "x"));
    zmq_close(cl);
    s_cfx_destroy(&c);
}

/* RONGYU_FAULT names a point and its number ("<point>:<n>"); another
 * point, a longer name beginning with it, or no number part is not it. */
static void
test_fault_reads_its_point_and_number(void **state)
{
    (void)state;
    uint64_t n = 7;
    unsetenv("RONGYU_FAULT");
    assert_false(ry_channel_fault("after_reply", &n));
    setenv("RONGYU_FAULT", "after_reply:300", 1);
    assert_true(ry_channel_fault("after_reply", &n));
    assert_int_equal(n, 300);
    assert_false(ry_channel_fault("after_commit", &n));
    assert_false(ry_channel_fault("after", &n));
    setenv("RONGYU_FAULT", "after_reply", 1);
    assert_false(ry_channel_fault("after_reply", &n));
    setenv("RONGYU_FAULT", "keys_pause:2000", 1);
    assert_true(ry_channel_fault("keys_pause", &n));
    assert_int_equal(n, 2000);
    unsetenv("RONGYU_FAULT");
}

int
main(int argc, char **argv)
{
    ry_log_level = RY_LOG_ERROR;
    if (argc == 2 && strcmp(argv[1], "--failed-sync") == 0)
        return s_failed_sync_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_messages_are_applied_once_in_order_and_outbox_drains),
        cmocka_unit_test(test_fault_reads_its_point_and_number),
        cmocka_unit_test(test_receiver_restart_applies_each_message_once),
        cmocka_unit_test(test_sender_restart_resends_unacked_rows_from_store),
        cmocka_unit_test(test_sender_restart_before_any_send_delivers_all),
        cmocka_unit_test(test_sends_of_an_aborted_txn_take_no_sequence_number),
        cmocka_unit_test(
            test_rejected_message_is_dead_lettered_and_later_ones_applied),
        cmocka_unit_test(test_refusal_before_writing_keeps_the_round),
        cmocka_unit_test(test_replies_reach_the_sender_exactly_once),
        cmocka_unit_test(test_ping_is_answered_by_pong_with_receiver_id),
        cmocka_unit_test(test_pongs_bring_the_peer_store_counters),
        cmocka_unit_test(test_store_counters_come_back_from_their_message),
        cmocka_unit_test(
            test_hello_soon_brings_pings_forward_at_most_ten_a_second),
        cmocka_unit_test(test_a_deferred_reply_goes_later_to_the_same_client),
        cmocka_unit_test(
            test_garbage_frame_is_dead_lettered_and_receiver_keeps_working),
        cmocka_unit_test(
            test_data_from_a_stranger_makes_no_link_and_is_dead_lettered),
        cmocka_unit_test(test_unadmitted_key_and_plain_text_reach_nothing),
        cmocka_unit_test(test_sequence_hijack_by_an_admitted_key_is_harmless),
        cmocka_unit_test(test_rows_of_a_round_go_in_one_frame),
        cmocka_unit_test(test_a_missing_outbox_row_stops_the_relay_before_it),
        cmocka_unit_test(
            test_an_unreadable_link_counter_stops_the_relay_until_it_reads),
        cmocka_unit_test(
            test_unreadable_outbox_rows_stop_the_relay_until_they_read),
        cmocka_unit_test(
            test_an_unreadable_row_after_a_full_frame_is_said_once),
        cmocka_unit_test(test_more_rows_than_a_batch_go_in_several_frames),
        cmocka_unit_test(
            test_a_slow_peer_is_not_sent_rows_again_once_its_pace_is_known),
        cmocka_unit_test(
            test_batch_items_are_applied_or_dead_lettered_one_by_one),
        cmocka_unit_test(test_routing_id_flapping_does_not_take_the_link),
        cmocka_unit_test(
            test_round_ms_spaces_small_rounds_but_not_after_a_full_one),
        cmocka_unit_test(
            test_store_error_rolls_back_and_the_message_is_applied_later),
        cmocka_unit_test(test_every_client_frame_shape_gets_its_own_answer),
        cmocka_unit_test(test_replies_past_the_pipe_wait_and_go_in_order),
        cmocka_unit_test(test_a_refused_request_loses_its_writes_alone),
        cmocka_unit_test(test_a_deferral_of_an_undone_round_is_forgotten),
        cmocka_unit_test(test_reads_in_a_failed_round_are_answered),
        cmocka_unit_test(test_synced_apart_a_round_answers_after_its_sync),
        cmocka_unit_test(test_synced_apart_rows_of_the_round_under_way_go),
        cmocka_unit_test(
            test_synced_apart_the_round_before_goes_out_within_a_batch),
        cmocka_unit_test(
            test_synced_apart_a_failed_sync_stops_before_answering),
    };
    return ut_keys_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
