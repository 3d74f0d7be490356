/* rongyu-load: submits N applications with W requests in flight on one
 * DEALER (pipelined, replies matched by request_id), waits for every
 * verdict with long polls on many cases at once pipelined on the same
 * sockets, and prints the
 * throughput, the latencies, the stores' writes per application and the
 * services' RSS and CPU time per application. A benchmark, not a test:
 * it asserts nothing about speed. */
#include "cli_client.h"
#include "load_report.h"
#include "rongyu.pb-c.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_json.h"
#include "ry_pb.h"
#include "ry_str.h"
#include "tools_setup.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Intake parks at most 1024 waits (of all clients): stay under that. */
#define S_WAITS_MAX 1000
/* Cases one wait names at most (WaitRequest.case_ids: intake's bound),
 * and all the waits in flight together (under intake's 16,384). */
#define S_WAIT_CASES 256
#define S_WAIT_NAMED_MAX 16000
/* A parked wait is answered after this at the latest (then asked again),
 * so one lost with a crashed intake is resent soon. */
#define S_WAIT_MS 10000
#define S_MAX_PIDS 8
/* At most this many DEALER connections (-c). */
#define S_MAX_CONNS 64
/* An unanswered request is resent after 4 times the slowest answer seen
 * to one send (at first 3 s plus 5 ms per request in flight), within
 * these bounds: slow answers are waited for, lost ones (a crashed
 * intake) resent within seconds. */
#define S_RESEND_MIN_MS 3000
#define S_RESEND_MAX_MS 30000

enum { S_IDLE, S_SUBMITTING, S_ACKED, S_WAITING, S_DONE, S_FAILED };

typedef struct {
    char state;
    bool delayed;        /* its wait waited for room under the cap */
    char case_id[32];
    int64_t first_sent;  /* submission first sent */
    int64_t sent;        /* its submission last sent */
    int64_t resend_at;   /* resend then (E_BUSY, or no reply) */
    int64_t acked_at, verdict_at;
} s_app_t;

/* A long poll on several cases (WaitRequest.case_ids) in flight: slot k
 * of s_load_t.waits, its request id "m<k>:<serial>/<run>". */
typedef struct {
    uint64_t serial; /* 0: the slot is free */
    int apps[S_WAIT_CASES];
    int n;
    int conn;
    int64_t resend_at; /* unanswered: sent again then */
} s_poll_t;

typedef struct {
    cli_client_t *cl[S_MAX_CONNS]; /* application i goes on cl[i % nconns] */
    int nconns;
    const Rongyu__Application *app;
    uint8_t *submit_tail;     /* a submission's principal and body, packed
                                 once: every submission sends the same */
    size_t submit_tail_len;
    const char *run;
    int n, window;
    double rate;              /* --rate: submissions per second, 0: none */
    bool full_waits;          /* --full-waits: whole cases, not brief */
    bool hashed_keys;         /* --keys hashed: SHA-256 keys, not counted */
    int64_t t0;               /* when the run began */
    s_app_t *a;
    int next;                 /* next application to submit */
    int low;                  /* below it, every one is judged or failed */
    int submitting;           /* in flight */
    int acked, judged, failed, delayed;
    int *queue; /* acknowledged, not in a wait yet: a ring of
                   n, from qhead to qtail (counters) */
    long qhead, qtail;
    s_poll_t *waits; /* S_WAITS_MAX slots */
    int nwaits;      /* in flight */
    int named;       /* the cases they name */
    uint64_t wait_serial;
    int wait_requests;        /* sent, each send counted */
    int next_conn;            /* the connection of the next wait */
    int64_t resend_ms;        /* resend an unanswered request after this */
    int64_t last_ack, last_verdict;
    FILE *acked_out;
} s_load_t;

static void
s_usage(void)
{
    /* Lines as printed: the formatter would split them mid-sentence. */
    /* clang-format off */
    printf(
        "用法 Usage: rongyu-load [-n N] [-w W] [-c C] [--rate R]\n"
        "                   [--example FILE] [--acked FILE] [--full-waits]\n"
        "                   [--keys counted|hashed] [--run ID]\n"
        "                   [--endpoint URL] [--timeout S]\n"
        "                   [--pid SERVICE=PID]... [--json]\n"
        "\n"
        "  向 intake 提交 N 份申报（默认 1000，取自示例文件，默认\n"
        "  examples/advanced_home.valid.json），在 DEALER 连接上同时 W 个请求\n"
        "  （默认 16），按 request_id 匹配应答；每份有自己的幂等键\n"
        "  '<run>-<i>'（--keys hashed 时为其 SHA-256），未确认就用同一键\n"
        "  重发。确认后以长轮询等待审查结论，一次轮询等待多个案件\n"
        "  （WaitRequest.case_ids，每次至多 %d 个：上次轮询后确认的案件）\n"
        "  （默认提交应答和等待都只取案件状态，--full-waits 取完整\n"
        "  案件）。最后打印：\n"
        "  吞吐（确认/秒、结论/秒）、提交到确认和提交到\n"
        "  结论的 p50/p99、本次运行每份申报的各存储 fsync 次数、写入字节与\n"
        "  提交耗时，以及提交耗时占运行时间的比例（来自各服务存储自己的计数，\n"
        "  rongyu status；运行中重启的服务自重启起计）、每次提交写入的\n"
        "  页数与耗时（intake 另列：提交后多久开始同步、同步完成后多久\n"
        "  发出应答）、每份申报占用的\n"
        "  存储字节，以及各服务的常驻内存（/proc/PID/status 的 RssAnon、\n"
        "  RssFile）与每份申报的\n"
        "  CPU 时间（/proc/PID/stat，合计及用户态、内核态各自；另列主线程，\n"
        "  即执行各轮与提交的线程，/proc/PID/task/PID/stat，及其就绪却\n"
        "  等待 CPU 的时间，/proc/PID/task/PID/schedstat）。\n"
        "  Submits N applications (default 1000) built from an example file\n"
        "  (default examples/advanced_home.valid.json) to intake with W requests\n"
        "  in flight (default 16) on C DEALER connections (-c, default 1),\n"
        "  replies matched by request_id;\n"
        "  each has its own idempotency key '<run>-<i>' (its SHA-256 with\n"
        "  --keys hashed) and is resent with it\n"
        "  until acknowledged (after 4 times the slowest answer seen, 3-30 s:\n"
        "  a crashed intake loses what it had not answered). The verdicts are\n"
        "  awaited by long polls on several cases at once\n"
        "  (WaitRequest.case_ids: the cases acknowledged since the last poll,\n"
        "  up to %d in one, over the connections in turn; at most %d polls\n"
        "  naming 16000 cases at a time: intake parks 1024 naming 16384); a\n"
        "  poll's cases that have not moved\n"
        "  when it is answered go into the next. Submissions and\n"
        "  waits are brief (the answer holds the case's state, without\n"
        "  application, verdict and audit) unless --full-waits. Prints the\n"
        "  throughput (acks/s, verdicts/s), p50/p99 from submission to ack\n"
        "  and to verdict, each store's fsyncs, bytes written and time spent\n"
        "  committing per application during the run, and that time as a\n"
        "  share of the run (the stores' own counters, from rongyu\n"
        "  status; a service restarted meanwhile is counted from its\n"
        "  restart), the pages written and the time spent per commit that\n"
        "  wrote (for intake also how long after each commit its sync began,\n"
        "  and how long after the sync its answers began to go out), bytes\n"
        "  stored per application (used size /\n"
        "  intake's cases), and each service's RSS (RssAnon, RssFile of\n"
        "  /proc/PID/status) and CPU time (user + system, then each,\n"
        "  /proc/PID/stat; then the main thread's, the one that applies\n"
        "  and commits the rounds, /proc/PID/task/PID/stat, and the time\n"
        "  it was ready to run but waited for a CPU, its schedstat) per\n"
        "  acknowledged application.\n"
        "\n"
        "  -c C               spread the requests over C DEALER connections\n"
        "                     (default 1, at most %d; application i goes on\n"
        "                     connection i %% C; one ZeroMQ I/O thread\n"
        "                     serves them all): intake queues at most\n"
        "                     client_queue_bytes / max_request requests of\n"
        "                     one connection at a time (256 by default)\n"
        "                     同时使用 C 个连接（默认 1）\n"
        "  --rate R           submit R applications per second, on a fixed\n"
        "                     schedule (application i at i / R s), W still\n"
        "                     capping what is in flight; latencies count\n"
        "                     from each one's scheduled time, so a late\n"
        "                     send is counted too (default: as fast as W\n"
        "                     allows) 按固定速率提交（每秒 R 份），延迟从\n"
        "                     计划时刻算起\n"
        "  --acked FILE       write each acknowledged case id, one per line\n"
        "  --full-waits       whole cases in the answers: the submission's\n"
        "                     with its application, the wait's also with\n"
        "                     the verdict's texts rendered and the audit, as\n"
        "                     a person's client would ask, instead of brief\n"
        "                     ones 提交应答和长轮询都取完整案件（含审查结论\n"
        "                     文字）而非仅状态\n"
        "  --keys counted|hashed\n"
        "                     the idempotency keys: '<run>-<i>' (counted,\n"
        "                     the default: they arrive nearly in order in\n"
        "                     intake's key table) or the hex SHA-256 of it\n"
        "                     (hashed, as 'rongyu submit' makes its keys\n"
        "                     from the file: scattered over the table)\n"
        "                     幂等键：计数（默认，在 intake 的键表中近乎按序）\n"
        "                     或其 SHA-256（与 rongyu submit 相同，分散在键表中）\n"
        "  --run ID           idempotency key prefix (default load-<time>)\n"
        "  --timeout S        give up after S seconds (default 600)\n"
        "  --pid SERVICE=PID  a service's pid for its RSS and CPU (default:\n"
        "                     $RONGYU_HOME/SERVICE.pid, as deploy/up.sh writes)\n"
        "  --json             one JSON object for scripts\n"
        "  退出状态 Exit status: 0 when every application was acknowledged and\n"
        "  judged, 1 otherwise, 2 for bad arguments.\n",
        S_WAIT_CASES, S_WAIT_CASES, S_WAITS_MAX, S_MAX_CONNS);
    /* clang-format on */
}

static Rongyu__Principal *
s_principal(const s_load_t *L, Rongyu__Principal *p)
{
    Rongyu__Principal init = RONGYU__PRINCIPAL__INIT;
    *p = init;
    p->org_id = L->app->applicant_org;
    p->role = (char *)"grassroots";
    return p;
}

/* Sends the packed request 'data' for application i on its connection;
 * unanswered, it is resent 'patience' ms later (a full queue: soon, as if
 * unanswered). */
static void
s_send(s_load_t *L, int i, const uint8_t *data, size_t len, int64_t now,
       int64_t patience)
{
    s_app_t *a = &L->a[i];
    a->sent = now;
    a->resend_at = cli_client_send_raw(L->cl[i % L->nconns], data, len, 0) == 0
                       ? now + patience
                       : now + 50;
}

/* Packs, once, what every submission holds: the principal and the body
 * with the application. */
static void
s_submit_tail(s_load_t *L)
{
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__Principal p;
    Rongyu__SubmitRequest sub = RONGYU__SUBMIT_REQUEST__INIT;
    sub.application = (Rongyu__Application *)L->app;
    sub.brief = !L->full_waits;
    req.principal = s_principal(L, &p);
    req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
    req.submit = &sub;
    L->submit_tail = ry_pb_pack(&req.base, &L->submit_tail_len);
}

/* Sends application i's submission (again: same key, same request id):
 * its idempotency key and request id, then the packed tail (a message's
 * fields may come in any order). */
static void
s_submit(s_load_t *L, int i, int64_t now)
{
    char key[128], rid[160], n[RY_STR_U64];
    ry_str_u64(n, (uint64_t)i);
    ry_str_cat(key, sizeof key, L->run, "-", n, (char *)NULL);
    if (L->hashed_keys) {
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const uint8_t *)key, strlen(key));
        sodium_bin2hex(key, sizeof key, h, sizeof h);
    }
    ry_str_cat(rid, sizeof rid, "s", n, "/", L->run, (char *)NULL);
    uint8_t *buf = NULL;
    size_t len = 0;
    ry_pb_append_string(&buf, &len, 1, key);
    ry_pb_append_string(&buf, &len, 3, rid);
    uint8_t *all = realloc(buf, len + L->submit_tail_len);
    if (!all)
        abort();
    memcpy(all + len, L->submit_tail, L->submit_tail_len);
    s_send(L, i, all, len + L->submit_tail_len, now, L->resend_ms);
    free(all);
}

/* Sends (again) the long poll in slot k for the end of SUBMITTED of its
 * cases. */
static void
s_poll_send(s_load_t *L, int k, int64_t now)
{
    s_poll_t *w = &L->waits[k];
    char rid[192];
    snprintf(rid, sizeof rid, "m%d:%" PRIu64 "/%s", k, w->serial, L->run);
    char *ids[S_WAIT_CASES];
    for (int j = 0; j < w->n; j++)
        ids[j] = L->a[w->apps[j]].case_id;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__Principal p;
    Rongyu__WaitRequest q = RONGYU__WAIT_REQUEST__INIT;
    q.case_ids = ids;
    q.n_case_ids = (size_t)w->n;
    q.state = RONGYU__CASE_STATE__SUBMITTED;
    q.timeout_ms = S_WAIT_MS;
    q.brief = !L->full_waits;
    req.principal = s_principal(L, &p);
    req.request_id = rid;
    req.body_case = RONGYU__REQUEST__BODY_WAIT;
    req.wait = &q;
    size_t len;
    uint8_t *buf = ry_pb_pack(&req.base, &len);
    L->wait_requests++;
    w->resend_at = cli_client_send_raw(L->cl[w->conn], buf, len, 0) == 0
                       ? now + S_WAIT_MS + L->resend_ms
                       : now + 50;
    free(buf);
}

/* Puts the acknowledged cases waiting for a poll into polls of up to
 * S_WAIT_CASES, while slots are free and fewer than S_WAIT_NAMED_MAX
 * cases are named. */
static void
s_poll_queued(s_load_t *L, int64_t now)
{
    for (int k = 0;
         k < S_WAITS_MAX && L->qhead < L->qtail && L->named < S_WAIT_NAMED_MAX;
         k++) {
        s_poll_t *w = &L->waits[k];
        if (w->serial)
            continue;
        w->serial = ++L->wait_serial;
        w->n = 0;
        while (w->n < S_WAIT_CASES && L->qhead < L->qtail &&
               L->named + w->n < S_WAIT_NAMED_MAX) {
            int i = L->queue[L->qhead++ % L->n];
            L->a[i].state = S_WAITING;
            w->apps[w->n++] = i;
        }
        w->conn = L->next_conn++ % L->nconns;
        L->nwaits++;
        L->named += w->n;
        s_poll_send(L, k, now);
    }
}

/* Application i back into the queue for the next poll. */
static void
s_requeue(s_load_t *L, int i)
{
    L->a[i].state = S_ACKED;
    L->queue[L->qtail++ % L->n] = i;
}

/* What the load reads of a reply, found in its bytes (ry_pb_next)
 * without decoding the rest: a submission's answer holds the whole case,
 * application included. */
typedef struct {
    int code;
    uint32_t retry_after_ms;
    char request_id[160];
    char message_en[160], detail[256];
    int body;       /* the Reply's body field: 10 a case, 90 a wait; or 0 */
    bool has_case;  /* the body holds a case */
    const uint8_t *wait; /* a WaitReply's bytes (body 90), in the frame */
    size_t wait_len;
    char case_id[32];
    int state;
} s_reply_t;

/* f's string into out (cut to cap). */
static void
s_field_str(const ry_pb_field_t *f, char *out, size_t cap)
{
    size_t n = f->wire == 2 ? (f->vlen < cap ? f->vlen : cap - 1) : 0;
    if (n)
        memcpy(out, f->val, n);
    out[n] = '\0';
}

/* A CaseReply's case: its id (1) and state (3). Returns -1 when the bytes
 * are not a message. */
static int
s_case_reply(const uint8_t *d, size_t n, s_reply_t *r)
{
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(d, n, &pos, &f)) == 1) {
        if (f.number != 1 || f.wire != 2)
            continue;
        r->has_case = true;
        size_t cpos = 0;
        ry_pb_field_t g;
        while ((more = ry_pb_next(f.val, f.vlen, &cpos, &g)) == 1)
            if (g.number == 1)
                s_field_str(&g, r->case_id, sizeof r->case_id);
            else if (g.number == 3 && g.wire == 0)
                r->state = (int)g.varint;
        if (more < 0)
            return -1;
    }
    return more;
}

/* Reads reply frame d (n bytes) into *r. Returns -1 when it is not a
 * Reply. */
static int
s_reply_read(const uint8_t *d, size_t n, s_reply_t *r)
{
    memset(r, 0, sizeof *r);
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(d, n, &pos, &f)) == 1) {
        switch (f.number) {
        case 1: r->code = (int)f.varint; break;
        case 3: s_field_str(&f, r->message_en, sizeof r->message_en); break;
        case 4: s_field_str(&f, r->detail, sizeof r->detail); break;
        case 5: r->retry_after_ms = (uint32_t)f.varint; break;
        case 6: s_field_str(&f, r->request_id, sizeof r->request_id); break;
        case 10:
            r->body = 10;
            if (f.wire == 2 && s_case_reply(f.val, f.vlen, r) < 0)
                return -1;
            break;
        case 90: /* its cases are read by s_on_poll */
            r->body = 90;
            r->wait = f.wire == 2 ? f.val : NULL;
            r->wait_len = f.wire == 2 ? f.vlen : 0;
            break;
        default: break;
        }
    }
    return more;
}

static void
s_fail(s_load_t *L, int i, const char *what, const s_reply_t *r)
{
    s_app_t *a = &L->a[i];
    if (a->state == S_SUBMITTING)
        L->submitting--;
    a->state = S_FAILED;
    L->failed++;
    fprintf(stderr, "application %d: %s: %s %s\n", i, what, r->message_en,
            r->detail);
}

static void
s_verdict(s_load_t *L, int i, int64_t now)
{
    s_app_t *a = &L->a[i];
    a->state = S_DONE;
    a->verdict_at = now;
    L->judged++;
    L->last_verdict = now;
}

/* Applies the answer r to the poll in slot k: the cases it lists are
 * judged; the poll is sent again for the others. */
static void
s_on_poll(s_load_t *L, int k, const s_reply_t *r, int64_t now)
{
    s_poll_t *w = &L->waits[k];
    if (r->code == RONGYU__ERROR_CODE__E_BUSY) {
        int after = r->retry_after_ms ? (int)r->retry_after_ms : 100;
        w->resend_at = now + (after > 30000 ? 30000 : after);
        return;
    }
    if (r->code != RONGYU__ERROR_CODE__OK || r->body != 90) {
        for (int j = 0; j < w->n; j++)
            s_fail(L, w->apps[j], "wait refused", r);
    } else {
        /* WaitReply.cases (3): each a CaseReply whose case has left
         * SUBMITTED, in the order the poll named them, so one pass over
         * the poll's cases finds them all. */
        size_t pos = 0;
        int at = 0;
        ry_pb_field_t f;
        while (ry_pb_next(r->wait, r->wait_len, &pos, &f) == 1) {
            s_reply_t c = {0};
            if (f.number != 3 || f.wire != 2 ||
                s_case_reply(f.val, f.vlen, &c) < 0 ||
                c.state == RONGYU__CASE_STATE__SUBMITTED)
                continue;
            while (at < w->n && strcmp(L->a[w->apps[at]].case_id, c.case_id))
                at++;
            if (at < w->n)
                s_verdict(L, w->apps[at++], now);
        }
        for (int j = 0; j < w->n; j++)
            if (L->a[w->apps[j]].state == S_WAITING)
                s_requeue(L, w->apps[j]);
    }
    w->serial = 0;
    L->nwaits--;
    L->named -= w->n;
}

/* Applies one reply: to a submission (ack) or to a poll (verdicts). */
static void
s_on_reply(s_load_t *L, const s_reply_t *r, int64_t now)
{
    const char *slash = strchr(r->request_id, '/');
    if (!slash || strcmp(slash + 1, L->run) != 0)
        return; /* not ours */
    if (r->request_id[0] == 'm') {
        char *end;
        long k = strtol(r->request_id + 1, &end, 10);
        if (k < 0 || k >= S_WAITS_MAX || *end != ':' ||
            strtoull(end + 1, NULL, 10) != L->waits[k].serial ||
            !L->waits[k].serial)
            return; /* a late duplicate */
        s_on_poll(L, (int)k, r, now);
        return;
    }
    int i = atoi(r->request_id + 1);
    if (r->request_id[0] != 's' || i < 0 || i >= L->n)
        return; /* not ours */
    s_app_t *a = &L->a[i];
    if (a->state != S_SUBMITTING)
        return; /* a late duplicate */
    if (r->code == RONGYU__ERROR_CODE__E_BUSY) {
        int after = r->retry_after_ms ? (int)r->retry_after_ms : 100;
        a->resend_at = now + (after > 30000 ? 30000 : after);
        return;
    }
    if (r->code != RONGYU__ERROR_CODE__OK) {
        s_fail(L, i, "submission refused", r);
        return;
    }
    if (!r->has_case || r->body != 10) {
        s_fail(L, i, "reply without the case", r);
        return;
    }
    L->submitting--;
    L->acked++;
    /* Resend only what is clearly lost, not what is merely slow. */
    int64_t slow = 4 * (now - a->sent);
    if (slow > L->resend_ms)
        L->resend_ms = slow < S_RESEND_MAX_MS ? slow : S_RESEND_MAX_MS;
    L->last_ack = now;
    a->acked_at = now;
    ry_str_cat(a->case_id, sizeof a->case_id, r->case_id, (char *)NULL);
    if (L->acked_out)
        fprintf(L->acked_out, "%s\n", r->case_id);
    if (r->state != RONGYU__CASE_STATE__SUBMITTED) {
        s_verdict(L, i, now);
        return;
    }
    /* Its wait has to queue behind the caps: its latency to the verdict
     * is then measured late. */
    a->delayed = L->nwaits >= S_WAITS_MAX || L->named >= S_WAIT_NAMED_MAX;
    L->delayed += a->delayed;
    s_requeue(L, i);
}

/* Resends what was not answered in time or was told to come back. */
static void
s_resend_due(s_load_t *L, int64_t now)
{
    while (L->low < L->next &&
           (L->a[L->low].state == S_DONE || L->a[L->low].state == S_FAILED))
        L->low++;
    for (int i = L->low; i < L->next; i++)
        if (L->a[i].state == S_SUBMITTING && L->a[i].resend_at <= now)
            s_submit(L, i, now);
    for (int k = 0; k < S_WAITS_MAX; k++)
        if (L->waits[k].serial && L->waits[k].resend_at <= now)
            s_poll_send(L, k, now);
}

static int
s_cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static int64_t
s_pct(int64_t *v, int n, int pct)
{
    if (n <= 0)
        return 0;
    int k = (int)((int64_t)n * pct / 100);
    return v[k < n ? k : n - 1];
}

/* When application i is due: at once, or on --rate's schedule. */
static int64_t
s_due(const s_load_t *L, int i, int64_t now)
{
    return L->rate > 0 ? L->t0 + (int64_t)((double)i * 1000.0 / L->rate)
                       : now;
}

/* Receives one reply on connection k within wait_ms and applies it (a
 * frame that is not a Reply is dropped). Returns as
 * cli_client_recv_raw. */
static int
s_recv(s_load_t *L, int k, int wait_ms)
{
    uint8_t *d;
    size_t n;
    int rc = cli_client_recv_raw(L->cl[k], wait_ms, &d, &n);
    if (rc)
        return rc;
    s_reply_t r;
    if (s_reply_read(d, n, &r) == 0)
        s_on_reply(L, &r, ry_clock_mono_ms());
    free(d);
    return 0;
}

/* Runs the load until every application is judged or failed, or the
 * deadline. */
static void
s_run(s_load_t *L, int64_t deadline, load_proc_t *rss)
{
    int64_t last_scan = 0, last_rss = 0, last_note = 0, last_refusal = 0;
    while (L->judged + L->failed < L->n) {
        int64_t now = ry_clock_mono_ms();
        if (now > deadline) {
            fprintf(stderr, "rongyu-load: 超时 timed out: %d judged, %d "
                            "acknowledged of %d\n",
                    L->judged, L->acked, L->n);
            return;
        }
        while (L->next < L->n && L->submitting < L->window &&
               s_due(L, L->next, now) <= now) {
            s_app_t *a = &L->a[L->next];
            a->state = S_SUBMITTING;
            a->first_sent = s_due(L, L->next, now);
            L->submitting++;
            s_submit(L, L->next++, now);
        }
        s_poll_queued(L, now);
        /* Wait on all connections at once until a reply comes or the next
         * submission is due, then take everything waiting on those that
         * have replies (reading the others would find nothing, at the
         * cost of a look into each). */
        int wait_ms = 50;
        if (L->rate > 0 && L->next < L->n) {
            int64_t until = s_due(L, L->next, now) - ry_clock_mono_ms();
            wait_ms = until < 0 ? 0 : until < wait_ms ? (int)until : wait_ms;
        }
        bool ready[S_MAX_CONNS];
        int rc = cli_client_wait_any(L->cl, L->nconns, wait_ms, ready);
        for (int k = 0; rc == 0 && k < L->nconns; k++)
            if (ready[k])
                while (s_recv(L, k, 0) == 0)
                    ;
        /* A refused handshake is looked for every 100 ms (not on every
         * wait: at a fixed rate most waits are short and find nothing). */
        now = ry_clock_mono_ms();
        if (now - last_refusal >= 100) {
            rc = cli_client_refused_any(L->cl, L->nconns);
            last_refusal = now;
        }
        if (rc == RY_EPERM) {
            fprintf(stderr, "rongyu-load: intake 拒绝此密钥 refuses this "
                            "key\n");
            return;
        }
        now = ry_clock_mono_ms();
        /* A long backlog (a stopped validation) is scanned less often. */
        if (now - last_scan >= 50 + (L->next - L->low) / 1000) {
            s_resend_due(L, now);
            last_scan = now;
        }
        if (now - last_rss >= 1000) {
            load_proc_sample(rss);
            last_rss = now;
        }
        if (now - last_note >= 5000) {
            fprintf(stderr, "  %d acknowledged, %d judged of %d\n", L->acked,
                    L->judged, L->n);
            last_note = now;
        }
    }
}

int
main(int argc, char **argv)
{
    s_load_t L = {.n = 1000, .window = 16, .nconns = 1};
    const char *example = "examples/advanced_home.valid.json";
    const char *acked = NULL, *endpoint = NULL;
    char run[64], *pids[S_MAX_PIDS];
    int npids = 0, timeout_s = 600;
    bool json = false;
    snprintf(run, sizeof run, "load-%" PRId64, ry_clock_now_ms());
    L.run = run;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            s_usage();
            return 0;
        } else if (strcmp(a, "-n") == 0 && more) {
            L.n = atoi(argv[++i]);
        } else if (strcmp(a, "-w") == 0 && more) {
            L.window = atoi(argv[++i]);
        } else if (strcmp(a, "-c") == 0 && more) {
            L.nconns = atoi(argv[++i]);
        } else if (strcmp(a, "--rate") == 0 && more) {
            char *end;
            L.rate = strtod(argv[++i], &end);
            if (end == argv[i] || *end)
                L.rate = -1; /* refused below */
        } else if (strcmp(a, "--example") == 0 && more) {
            example = argv[++i];
        } else if (strcmp(a, "--full-waits") == 0) {
            L.full_waits = true;
        } else if (strcmp(a, "--keys") == 0 && more) {
            const char *k = argv[++i];
            if (strcmp(k, "hashed") == 0)
                L.hashed_keys = true;
            else if (strcmp(k, "counted") != 0) {
                fprintf(stderr,
                        "rongyu-load: --keys 取 takes counted or "
                        "hashed, not '%s'\n",
                        k);
                return 2;
            }
        } else if (strcmp(a, "--acked") == 0 && more) {
            acked = argv[++i];
        } else if (strcmp(a, "--run") == 0 && more) {
            L.run = argv[++i];
        } else if (strcmp(a, "--endpoint") == 0 && more) {
            endpoint = argv[++i];
        } else if (strcmp(a, "--timeout") == 0 && more) {
            timeout_s = atoi(argv[++i]);
        } else if (strcmp(a, "--pid") == 0 && more && npids < S_MAX_PIDS) {
            pids[npids++] = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "rongyu-load: 未知参数 unknown argument '%s' "
                            "(--help)\n",
                    a);
            return 2;
        }
    }
    if (L.n <= 0 || L.window <= 0 || L.window > 65536 || timeout_s <= 0 ||
        L.nconns <= 0 || L.nconns > S_MAX_CONNS || !(L.rate >= 0) ||
        L.rate > 1e6) {
        fprintf(stderr, "rongyu-load: 需要 need N > 0, 0 < W <= 65536, "
                        "0 < C <= %d, S > 0, 0 <= R <= 1000000\n",
                S_MAX_CONNS);
        return 2;
    }
    L.resend_ms = S_RESEND_MIN_MS + 5 * (int64_t)L.window;
    if (L.resend_ms > S_RESEND_MAX_MS)
        L.resend_ms = S_RESEND_MAX_MS;
    tools_setup_t setup;
    if (tools_setup("rongyu-load", endpoint, example, &setup) != 0)
        return 2;
    Rongyu__Application *app = setup.app;
    L.app = app;
    s_submit_tail(&L);
    if (acked && !(L.acked_out = fopen(acked, "w"))) {
        fprintf(stderr, "rongyu-load: 无法写入 cannot write '%s'\n", acked);
        return 2;
    }
    if (L.acked_out)
        setvbuf(L.acked_out, NULL, _IOLBF, 0); /* read while it runs */
    /* One ZeroMQ context (one I/O thread) for all the connections: a
     * context each would wake a thread per connection for every few
     * messages, on the cores the services run on. */
    for (int k = 0; k < L.nconns; k++)
        if ((k ? cli_client_new_beside(L.cl[0], &L.cl[k])
               : cli_client_new(setup.endpoint, &setup.curve, &L.cl[0])) != 0) {
            fprintf(stderr, "rongyu-load: cannot connect to '%s'\n",
                    setup.endpoint);
            return 2;
        }
    L.a = calloc((size_t)L.n, sizeof *L.a);
    L.queue = calloc((size_t)L.n, sizeof *L.queue);
    L.waits = calloc(S_WAITS_MAX, sizeof *L.waits);
    int64_t *lat = calloc((size_t)L.n, sizeof *lat);
    int64_t *alat = calloc((size_t)L.n, sizeof *alat);
    if (!L.a || !L.queue || !L.waits || !lat || !alat)
        abort();
    load_proc_t rss[LOAD_SERVICES];
    load_proc_init(rss, setup.cfg.home, pids, npids);
    load_snapshot_t before, after;
    int64_t deadline = ry_clock_mono_ms() + (int64_t)timeout_s * 1000;
    int src = load_snapshot_settled(L.cl[0], 10, &before);
    if (src == RY_EPERM) {
        fprintf(stderr, "rongyu-load: intake 拒绝此密钥 refuses this key\n");
        goto done;
    }
    if (src != 0)
        fprintf(stderr, "rongyu-load: 警告 warning: no settled status from "
                        "intake in 10 s; store figures may be wrong\n");

    fprintf(stderr,
            "submitting %d applications, %d in flight on %d connection(s), "
            "to %s\n",
            L.n, L.window, L.nconns, setup.endpoint);
    load_proc_cpu(rss, true);
    int64_t t0 = ry_clock_mono_ms();
    L.t0 = t0;
    s_run(&L, deadline, rss);
    load_proc_sample(rss);
    src = load_snapshot_settled(L.cl[0], 30, &after);
    if (src == RY_EPERM)
        goto done; /* s_run said so */
    if (src != 0)
        fprintf(stderr, "rongyu-load: 警告 warning: the stores' counters "
                        "did not settle in 30 s; the last ones are shown\n");
    load_proc_cpu(rss, false);

    load_figures_t f = {.submitted = L.next,
                        .acked = L.acked,
                        .failed = L.failed,
                        .judged = L.judged,
                        .window = L.window,
                        .rate = L.rate,
                        .connections = L.nconns,
                        .hashed_keys = L.hashed_keys,
                        .waits_delayed = L.delayed,
                        .wait_requests = L.wait_requests};
    int na = 0, nv = 0;
    for (int i = 0; i < L.n; i++) {
        if (L.a[i].acked_at)
            alat[na++] = L.a[i].acked_at - L.a[i].first_sent;
        if (L.a[i].state == S_DONE)
            lat[nv++] = L.a[i].verdict_at - L.a[i].first_sent;
    }
    qsort(alat, (size_t)na, sizeof *alat, s_cmp);
    qsort(lat, (size_t)nv, sizeof *lat, s_cmp);
    f.ack_p50 = s_pct(alat, na, 50);
    f.ack_p99 = s_pct(alat, na, 99);
    f.verdict_p50 = s_pct(lat, nv, 50);
    f.verdict_p99 = s_pct(lat, nv, 99);
    f.ack_seconds = L.acked ? (L.last_ack - t0) / 1000.0 : 0;
    f.verdict_seconds = L.judged ? (L.last_verdict - t0) / 1000.0 : 0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        f.cpu_seconds = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                        (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    load_report_print(stdout, json, &f, &before, &after, rss);
done:
    if (L.acked_out)
        fclose(L.acked_out);
    free(L.a);
    free(L.queue);
    free(L.waits);
    free(lat);
    free(alat);
    for (int k = L.nconns - 1; k >= 0; k--)
        cli_client_destroy(&L.cl[k]); /* cl[0], whose context all use, last */
    free(L.submit_tail);
    ry_json_application_free(&app);
    return L.failed || L.judged != L.acked || L.acked != L.n ? 1 : 0;
}
