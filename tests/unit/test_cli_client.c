/* test_cli_client: the CLI's intake client and ping against a fake ROUTER
 * in a thread, on an ephemeral loopback port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_client.h"
#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_pb.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

enum { DROP, OK, WRONG_ID_FIRST, BUSY, GARBAGE, PONG, TWO_FRAMES };

typedef struct {
    void *ctx;
    void *sock;
    char endpoint[128];
    int script[8]; /* what to do with the i-th request */
    int n;
    int seen;
    char request_ids[8][64];
    char keys[8][64];
    char org[64];
    char ping_sender[64];
    pthread_t thread;
    int joined;
} s_fake_t;

static void
s_send_reply(void *sock, zmq_msg_t *rid, const Rongyu__Reply *r)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&r->base, &len);
    zmq_send(sock, zmq_msg_data(rid), zmq_msg_size(rid), ZMQ_SNDMORE);
    zmq_send(sock, buf, len, 0);
    free(buf);
}

static void *
s_fake_run(void *arg)
{
    s_fake_t *f = arg;
    while (f->seen < f->n) {
        zmq_pollitem_t item = {f->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 10000) <= 0)
            break;
        zmq_msg_t rid, body;
        zmq_msg_init(&rid);
        zmq_msg_init(&body);
        zmq_msg_recv(&rid, f->sock, 0);
        zmq_msg_recv(&body, f->sock, 0);
        int action = f->script[f->seen];
        if (action == PONG) {
            Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
                &rongyu__envelope__descriptor, zmq_msg_data(&body),
                zmq_msg_size(&body), 0);
            if (e && e->kind == RONGYU__ENVELOPE_KIND__PING) {
                snprintf(f->ping_sender, sizeof f->ping_sender, "%s",
                         e->sender_id);
                Rongyu__Envelope pong = RONGYU__ENVELOPE__INIT;
                pong.kind = RONGYU__ENVELOPE_KIND__PONG;
                pong.sender_id = "quota";
                size_t len;
                uint8_t *buf = ry_pb_pack(&pong.base, &len);
                zmq_send(f->sock, zmq_msg_data(&rid), zmq_msg_size(&rid),
                         ZMQ_SNDMORE);
                zmq_send(f->sock, buf, len, 0);
                free(buf);
            }
            ry_pb_free(&e);
            f->seen++;
            zmq_msg_close(&rid);
            zmq_msg_close(&body);
            continue;
        }
        Rongyu__Request *req = (Rongyu__Request *)ry_pb_unpack(
            &rongyu__request__descriptor, zmq_msg_data(&body),
            zmq_msg_size(&body), 0);
        if (req) {
            snprintf(f->request_ids[f->seen], 64, "%s", req->request_id);
            snprintf(f->keys[f->seen], 64, "%s", req->idempotency_key);
            if (req->principal)
                snprintf(f->org, sizeof f->org, "%s", req->principal->org_id);
            Rongyu__Reply r = RONGYU__REPLY__INIT;
            Rongyu__StatusReply st = RONGYU__STATUS_REPLY__INIT;
            r.request_id = req->request_id;
            st.service = "intake";
            st.cases = 42;
            r.body_case = RONGYU__REPLY__BODY_STATUS;
            r.status = &st;
            if (action == WRONG_ID_FIRST) {
                Rongyu__Reply other = r;
                other.request_id = "someone-else";
                st.cases = 1;
                s_send_reply(f->sock, &rid, &other);
                st.cases = 42;
            }
            if (action == BUSY) {
                Rongyu__Reply busy = RONGYU__REPLY__INIT;
                busy.code = RONGYU__ERROR_CODE__E_BUSY;
                busy.retry_after_ms = 100;
                busy.request_id = req->request_id;
                s_send_reply(f->sock, &rid, &busy);
            } else if (action == GARBAGE) {
                zmq_send(f->sock, zmq_msg_data(&rid), zmq_msg_size(&rid),
                         ZMQ_SNDMORE);
                zmq_send(f->sock, "\xff\xff\xff", 3, 0);
            } else if (action == TWO_FRAMES) {
                zmq_send(f->sock, zmq_msg_data(&rid), zmq_msg_size(&rid),
                         ZMQ_SNDMORE);
                zmq_send(f->sock, "", 0, ZMQ_SNDMORE);
                zmq_send(f->sock, "", 0, 0);
            } else if (action != DROP) {
                s_send_reply(f->sock, &rid, &r);
            }
        }
        ry_pb_free(&req);
        f->seen++;
        zmq_msg_close(&rid);
        zmq_msg_close(&body);
    }
    return NULL;
}

static s_fake_t *
s_fake_start(int n, const int *script, const char *curve_secret)
{
    s_fake_t *f = calloc(1, sizeof *f);
    f->ctx = zmq_ctx_new();
    f->sock = zmq_socket(f->ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(f->sock, ZMQ_LINGER, &zero, sizeof zero);
    if (curve_secret) {
        int one = 1;
        zmq_setsockopt(f->sock, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(f->sock, ZMQ_CURVE_SECRETKEY, curve_secret, 40);
    }
    assert_int_equal(zmq_bind(f->sock, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    zmq_getsockopt(f->sock, ZMQ_LAST_ENDPOINT, f->endpoint, &len);
    f->n = n;
    memcpy(f->script, script, sizeof(int) * (size_t)n);
    pthread_create(&f->thread, NULL, s_fake_run, f);
    return f;
}

/* The fake's thread writes what it saw; the test reads it only after
 * joining the thread, which has then handled all n requests. */
static void
s_fake_join(s_fake_t *f)
{
    if (!f->joined)
        pthread_join(f->thread, NULL);
    f->joined = 1;
}

static void
s_fake_stop(s_fake_t **f_p)
{
    s_fake_t *f = *f_p;
    s_fake_join(f);
    zmq_close(f->sock);
    zmq_ctx_term(f->ctx);
    free(f);
    *f_p = NULL;
}

static void
s_status_request(Rongyu__Request *req, Rongyu__StatusRequest *sr,
                 Rongyu__Principal *p)
{
    req->body_case = RONGYU__REQUEST__BODY_STATUS;
    req->status = sr;
    p->org_id = "xiaoshan-hengyi-textile";
    p->role = "grassroots";
    req->principal = p;
    req->idempotency_key = "key-1";
}

/* The status request with request id 'rid', packed (the caller's). */
static uint8_t *
s_packed_status(const char *rid, size_t *len)
{
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    req.request_id = (char *)rid;
    return ry_pb_pack(&req.base, len);
}

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_call_gets_the_reply_with_its_request_id(void **state)
{
    (void)state;
    int script[] = {WRONG_ID_FIRST};
    s_fake_t *f = s_fake_start(1, script, NULL);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(f->endpoint, NULL, &c), 0);
    assert_string_equal(cli_client_endpoint(c), f->endpoint);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    Rongyu__Reply *reply = NULL;
    assert_int_equal(cli_client_call(c, &req, 2000, 1, &reply), 0);
    assert_int_equal(reply->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(reply->body_case, RONGYU__REPLY__BODY_STATUS);
    assert_int_equal(reply->status->cases, 42); /* not the stray one */
    s_fake_join(f);
    assert_string_equal(reply->request_id, f->request_ids[0]);
    assert_int_equal(strlen(f->request_ids[0]), 32); /* fresh random id */
    assert_string_equal(req.request_id, "");         /* req untouched */
    assert_string_equal(f->org, "xiaoshan-hengyi-textile");
    cli_client_reply_free(&reply);
    assert_null(reply);
    cli_client_destroy(&c);
    cli_client_destroy(&c);
    s_fake_stop(&f);
}

/* Pipelined: bytes packed by the caller go as they are, and each reply
 * frame comes back as it came, a garbage one too; a reply of several
 * frames is dropped. */
static void
test_raw_send_and_receive_keep_the_bytes(void **state)
{
    (void)state;
    int script[] = {OK, GARBAGE, TWO_FRAMES, OK};
    s_fake_t *f = s_fake_start(4, script, NULL);
    size_t len;
    uint8_t *buf = s_packed_status("raw-1", &len);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(f->endpoint, NULL, &c), 0);
    assert_int_equal(cli_client_send_raw(c, buf, 0, 0), RY_EINVAL);
    assert_int_equal(cli_client_send_raw(c, buf, len, 1000), 0);
    assert_int_equal(cli_client_send_raw(c, buf, len, 1000), 0);
    uint8_t *got = NULL;
    size_t n = 0;
    assert_int_equal(cli_client_recv_raw(c, 5000, &got, &n), 0);
    Rongyu__Reply *r = (Rongyu__Reply *)ry_pb_unpack(
        &rongyu__reply__descriptor, got, n, 0);
    assert_non_null(r);
    assert_string_equal(r->request_id, "raw-1");
    assert_int_equal(r->status->cases, 42);
    ry_pb_free(&r);
    free(got);
    assert_int_equal(cli_client_recv_raw(c, 5000, &got, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(got, "\xff\xff\xff", 3);
    free(got);
    assert_int_equal(cli_client_recv_raw(c, 0, &got, &n), RY_ETIMEOUT);
    /* A reply of two frames is dropped: the next one-frame reply comes. */
    assert_int_equal(cli_client_send_raw(c, buf, len, 1000), 0);
    assert_int_equal(cli_client_send_raw(c, buf, len, 1000), 0);
    assert_int_equal(cli_client_recv_raw(c, 5000, &got, &n), 0);
    r = (Rongyu__Reply *)ry_pb_unpack(&rongyu__reply__descriptor, got, n, 0);
    assert_non_null(r);
    assert_string_equal(r->request_id, "raw-1");
    ry_pb_free(&r);
    free(got);
    s_fake_join(f);
    assert_string_equal(f->request_ids[0], "raw-1");
    assert_string_equal(f->keys[1], "key-1");
    free(buf);
    cli_client_destroy(&c);
    s_fake_stop(&f);
}

static void
test_lost_request_is_resent_with_same_ids(void **state)
{
    (void)state;
    int script[] = {DROP, DROP, OK};
    s_fake_t *f = s_fake_start(3, script, NULL);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(f->endpoint, NULL, &c), 0);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    Rongyu__Reply *reply = NULL;
    assert_int_equal(cli_client_call(c, &req, 300, 3, &reply), 0);
    s_fake_join(f);
    assert_int_equal(f->seen, 3);
    assert_string_equal(f->request_ids[0], f->request_ids[1]);
    assert_string_equal(f->request_ids[1], f->request_ids[2]);
    assert_string_equal(f->keys[0], "key-1");
    assert_string_equal(f->keys[2], "key-1");
    cli_client_reply_free(&reply);
    cli_client_destroy(&c);
    s_fake_stop(&f);
}

static void
test_busy_reply_is_retried_after_its_hint(void **state)
{
    (void)state;
    int script[] = {BUSY, OK};
    s_fake_t *f = s_fake_start(2, script, NULL);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(f->endpoint, NULL, &c), 0);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    req.request_id = "fixed-id";
    Rongyu__Reply *reply = NULL;
    int64_t t0 = s_now_ms();
    assert_int_equal(cli_client_call(c, &req, 2000, 1, &reply), 0);
    assert_true(s_now_ms() - t0 >= 100);
    assert_int_equal(reply->code, RONGYU__ERROR_CODE__OK);
    s_fake_join(f);
    assert_string_equal(f->request_ids[0], "fixed-id");
    assert_string_equal(f->request_ids[1], "fixed-id");
    cli_client_reply_free(&reply);
    cli_client_destroy(&c);
    s_fake_stop(&f);
}

static void
test_nobody_answering_times_out(void **state)
{
    (void)state;
    /* Bind and close a port so nothing listens there. */
    int script[] = {OK};
    s_fake_t *f = s_fake_start(0, script, NULL);
    char ep[128];
    snprintf(ep, sizeof ep, "%s", f->endpoint);
    s_fake_stop(&f);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(ep, NULL, &c), 0);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    Rongyu__Reply *reply = NULL;
    int64_t t0 = s_now_ms();
    assert_int_equal(cli_client_call(c, &req, 150, 2, &reply), RY_ETIMEOUT);
    int64_t took = s_now_ms() - t0;
    assert_true(took >= 290 && took < 2000);
    assert_null(reply);
    cli_client_destroy(&c);
}

static void
test_garbage_only_is_malformed(void **state)
{
    (void)state;
    int script[] = {GARBAGE, TWO_FRAMES};
    s_fake_t *f = s_fake_start(2, script, NULL);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(f->endpoint, NULL, &c), 0);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    Rongyu__Reply *reply = NULL;
    assert_int_equal(cli_client_call(c, &req, 300, 2, &reply), RY_EMALFORMED);
    cli_client_destroy(&c);
    s_fake_stop(&f);
}

static void
test_bad_endpoint_is_einval(void **state)
{
    (void)state;
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new("nonsense://x", NULL, &c), RY_EINVAL);
    assert_null(c);
    assert_int_equal(cli_client_new("tcp://", NULL, &c), RY_EINVAL);
    assert_int_equal(cli_client_ping("bogus", NULL, 100, NULL, 0), RY_EINVAL);
    assert_int_equal(cli_client_call(NULL, NULL, 1, 1, NULL), RY_EINVAL);
}

static void
test_ping_gets_pong_with_service_name(void **state)
{
    (void)state;
    int script[] = {PONG};
    s_fake_t *f = s_fake_start(1, script, NULL);
    char who[64] = "";
    assert_int_equal(cli_client_ping(f->endpoint, NULL, 2000, who, sizeof who),
                     0);
    assert_string_equal(who, "quota");
    s_fake_join(f);
    assert_memory_equal(f->ping_sender, "cli-", 4);
    assert_int_equal(strlen(f->ping_sender), 20);
    s_fake_stop(&f);

    int none[] = {OK};
    f = s_fake_start(0, none, NULL);
    char ep[128];
    snprintf(ep, sizeof ep, "%s", f->endpoint);
    s_fake_stop(&f);
    assert_int_equal(cli_client_ping(ep, NULL, 150, who, sizeof who),
                     RY_ETIMEOUT);
}

/* A fresh server key pair (spub, ssec) and client keys in *curve that
 * name server_public (NULL: spub) as the server's. */
static void
s_curve_keys(char spub[41], char ssec[41], const char *server_public,
             cli_curve_t *curve)
{
    assert_int_equal(zmq_curve_keypair(spub, ssec), 0);
    assert_int_equal(zmq_curve_keypair(curve->public_key, curve->secret_key),
                     0);
    memcpy(curve->server_public, server_public ? server_public : spub, 41);
}

static void
test_curve_keys_are_used(void **state)
{
    (void)state;
    char spub[41], ssec[41];
    cli_curve_t curve;
    s_curve_keys(spub, ssec, NULL, &curve);
    int script[] = {OK};
    s_fake_t *f = s_fake_start(1, script, ssec);
    cli_client_t *c = NULL;
    assert_int_equal(cli_client_new(f->endpoint, &curve, &c), 0);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    s_status_request(&req, &sr, &p);
    Rongyu__Reply *reply = NULL;
    assert_int_equal(cli_client_call(c, &req, 3000, 1, &reply), 0);
    cli_client_reply_free(&reply);
    cli_client_destroy(&c);
    s_fake_stop(&f);
}

/* rongyu-load's connections: a client opened beside another shares its
 * keys (the fake is a CURVE server) and context, and wait_any wakes for a
 * reply on any of them. */
static void
test_clients_beside_are_waited_on_together(void **state)
{
    (void)state;
    char spub[41], ssec[41];
    cli_curve_t curve;
    s_curve_keys(spub, ssec, NULL, &curve);
    int script[] = {OK, OK};
    s_fake_t *f = s_fake_start(2, script, ssec);
    cli_client_t *cl[2] = {NULL, NULL};
    assert_int_equal(cli_client_new(f->endpoint, &curve, &cl[0]), 0);
    assert_int_equal(cli_client_new_beside(cl[0], &cl[1]), 0);
    assert_int_equal(cli_client_new_beside(NULL, &cl[1]), RY_EINVAL);
    assert_string_equal(cli_client_endpoint(cl[1]), f->endpoint);
    assert_int_equal(cli_client_wait_any(cl, 2, 0, NULL), RY_ETIMEOUT);
    assert_int_equal(cli_client_wait_any(cl, 0, 0, NULL), RY_EINVAL);
    assert_int_equal(cli_client_wait_any(NULL, 2, 0, NULL), RY_EINVAL);
    cli_client_t *many[65] = {cl[0], cl[1]};
    assert_int_equal(cli_client_wait_any(many, 65, 0, NULL),
                     RY_EINVAL); /* > 64 */
    assert_int_equal(cli_client_wait_any(many, 3, 0, NULL),
                     RY_EINVAL); /* NULL */

    const char *ids[2] = {"beside-0", "beside-1"};
    for (int k = 1; k >= 0; k--) {
        size_t len;
        uint8_t *buf = s_packed_status(ids[k], &len);
        assert_int_equal(cli_client_send_raw(cl[k], buf, len, 1000), 0);
        free(buf);
        bool ready[2] = {true, true};
        assert_int_equal(cli_client_wait_any(cl, 2, 5000, ready), 0);
        /* It says which connection has the reply. */
        assert_true(ready[k]);
        assert_false(ready[1 - k]);
        uint8_t *got = NULL;
        size_t n = 0;
        /* Only the connection that sent has the reply. */
        assert_int_equal(cli_client_recv_raw(cl[1 - k], 0, &got, &n),
                         RY_ETIMEOUT);
        assert_int_equal(cli_client_recv_raw(cl[k], 0, &got, &n), 0);
        Rongyu__Reply *r = (Rongyu__Reply *)ry_pb_unpack(
            &rongyu__reply__descriptor, got, n, 0);
        assert_non_null(r);
        assert_string_equal(r->request_id, ids[k]);
        ry_pb_free(&r);
        free(got);
    }
    bool ready[2] = {true, true};
    assert_int_equal(cli_client_wait_any(cl, 2, 0, ready), RY_ETIMEOUT);
    assert_false(ready[0] || ready[1]);
    s_fake_join(f);
    assert_string_equal(f->request_ids[0], "beside-1");
    assert_string_equal(f->request_ids[1], "beside-0");
    cli_client_destroy(&cl[1]);
    cli_client_destroy(&cl[0]);
    s_fake_stop(&f);
}

/* A server that refuses the handshake (here: our idea of its key is
 * wrong) is reported by refused_any, so that a caller need not wait
 * until its time runs out. */
static void
test_wait_any_reports_a_refused_handshake(void **state)
{
    (void)state;
    char spub[41], ssec[41], other[41], other_sec[41];
    cli_curve_t curve;
    assert_int_equal(zmq_curve_keypair(other, other_sec), 0);
    s_curve_keys(spub, ssec, other, &curve); /* not the fake's key */
    /* No request gets through: the fake's thread has none to wait for;
     * its socket still answers the handshake. */
    int script[] = {OK};
    s_fake_t *f = s_fake_start(0, script, ssec);
    cli_client_t *cl[2] = {NULL, NULL};
    assert_int_equal(cli_client_new(f->endpoint, &curve, &cl[0]), 0);
    assert_int_equal(cli_client_new_beside(cl[0], &cl[1]), 0);
    assert_int_equal(cli_client_refused_any(cl, 0), RY_EINVAL);
    assert_int_equal(cli_client_refused_any(NULL, 2), RY_EINVAL);
    /* Nothing to read comes; the refusal is found by looking, after a
     * wait (a bounded one: the wait itself does not report it). */
    int64_t t0 = s_now_ms();
    int rc = 0;
    while (rc == 0 && s_now_ms() - t0 < 10000) {
        assert_int_equal(cli_client_wait_any(cl, 2, 50, NULL), RY_ETIMEOUT);
        rc = cli_client_refused_any(cl, 2);
    }
    assert_int_equal(rc, RY_EPERM);
    cli_client_destroy(&cl[1]);
    cli_client_destroy(&cl[0]);
    s_fake_stop(&f);
}

static void
test_random_ids_differ(void **state)
{
    (void)state;
    char a[64], b[64];
    cli_random_id("x-", a, sizeof a);
    cli_random_id("x-", b, sizeof b);
    assert_int_equal(strlen(a), 34);
    assert_string_not_equal(a, b);
    cli_random_id("abc", a, 5);
    assert_int_equal(strlen(a), 4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_gets_the_reply_with_its_request_id),
        cmocka_unit_test(test_raw_send_and_receive_keep_the_bytes),
        cmocka_unit_test(test_lost_request_is_resent_with_same_ids),
        cmocka_unit_test(test_busy_reply_is_retried_after_its_hint),
        cmocka_unit_test(test_nobody_answering_times_out),
        cmocka_unit_test(test_garbage_only_is_malformed),
        cmocka_unit_test(test_bad_endpoint_is_einval),
        cmocka_unit_test(test_ping_gets_pong_with_service_name),
        cmocka_unit_test(test_curve_keys_are_used),
        cmocka_unit_test(test_clients_beside_are_waited_on_together),
        cmocka_unit_test(test_wait_any_reports_a_refused_handshake),
        cmocka_unit_test(test_random_ids_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
