/* rongyu-load: submits N applications with W in flight and prints the
 * throughput and the latency from submission to verdict. A benchmark, not
 * a test: it prints figures and asserts nothing about speed. */
#include "cli_client.h"
#include "rongyu.pb-c.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_json.h"
#include "tools_setup.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *endpoint;
    const cli_curve_t *curve;
    const Rongyu__Application *app;
    const char *run;
    int n, window;
    int next;              /* next index to submit */
    int acked, failed;
    FILE *acked_out;
    char **ids;            /* case id per index */
    int64_t *ack_ms;       /* submit -> acknowledged, per index */
    int64_t deadline;
    pthread_mutex_t mu;
} s_load_t;

static void
s_usage(void)
{
    printf(
        "usage: rongyu-load [-n N] [-w W] [--example FILE] [--acked FILE]\n"
        "                   [--run ID] [--endpoint URL] [--timeout S] "
        "[--json]\n\n"
        "Submits N applications (default 1000) built from an example file\n"
        "(default examples/advanced_home.valid.json) with W requests in\n"
        "flight (default 16), each with its own idempotency key\n"
        "'<run>-<i>' and retried with that key until acknowledged; then\n"
        "waits for every verdict and prints throughput and p50/p99\n"
        "latency from submission to verdict. --acked writes each\n"
        "acknowledged case id, one per line.\n"
        "批量提交 N 份申报（W 个并发），统计吞吐量与从提交到审查结论的延迟。\n");
}

static void *
s_worker(void *arg)
{
    s_load_t *L = arg;
    cli_client_t *cl = NULL;
    if (cli_client_new(L->endpoint, L->curve, &cl) != 0)
        return NULL;
    for (;;) {
        pthread_mutex_lock(&L->mu);
        int i = L->next < L->n ? L->next++ : -1;
        pthread_mutex_unlock(&L->mu);
        if (i < 0)
            break;
        char key[128];
        snprintf(key, sizeof key, "%s-%d", L->run, i);
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
        Rongyu__SubmitRequest sub = RONGYU__SUBMIT_REQUEST__INIT;
        p.org_id = L->app->applicant_org;
        p.role = (char *)"grassroots";
        sub.application = (Rongyu__Application *)L->app;
        req.principal = &p;
        req.idempotency_key = key;
        req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
        req.submit = &sub;
        int64_t t0 = ry_clock_mono_ms();
        Rongyu__Reply *rep = NULL;
        int rc;
        /* A crashed intake comes back: keep asking with the same key. */
        do {
            rc = cli_client_call(cl, &req, 2000, 1, &rep);
            if (rc != 0) {
                cli_client_destroy(&cl);
                usleep(100000);
                cli_client_new(L->endpoint, L->curve, &cl);
            }
        } while (rc != 0 && ry_clock_mono_ms() < L->deadline);
        pthread_mutex_lock(&L->mu);
        if (rc == 0 && rep->code == RONGYU__ERROR_CODE__OK &&
            rep->body_case == RONGYU__REPLY__BODY_CASE) {
            L->ids[i] = strdup(rep->case_->case_->case_id);
            L->ack_ms[i] = ry_clock_mono_ms() - t0;
            L->acked++;
            if (L->acked_out) {
                fprintf(L->acked_out, "%s\n", L->ids[i]);
                fflush(L->acked_out);
            }
        } else {
            L->failed++;
            fprintf(stderr, "request %d: %s\n", i,
                    rc ? ry_strerror(rc) : rep->detail);
        }
        if ((L->acked + L->failed) % 500 == 0)
            fprintf(stderr, "  %d/%d acknowledged\n", L->acked, L->n);
        pthread_mutex_unlock(&L->mu);
        cli_client_reply_free(&rep);
    }
    cli_client_destroy(&cl);
    return NULL;
}

static int
s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Waits for each acknowledged case's verdict with a long poll (a
 * WaitRequest until it leaves SUBMITTED); fills lat[] with verdict time
 * minus submission time. Returns how many have one. */
static int
s_collect(s_load_t *L, int64_t *lat, int64_t *first, int64_t *last)
{
    cli_client_t *cl = NULL;
    cli_client_new(L->endpoint, L->curve, &cl);
    int done = 0;
    *first = INT64_MAX;
    *last = 0;
    for (int i = 0; i < L->n; i++) {
        if (!L->ids[i])
            continue;
        for (;;) {
            Rongyu__Request req = RONGYU__REQUEST__INIT;
            Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
            Rongyu__WaitRequest w = RONGYU__WAIT_REQUEST__INIT;
            p.org_id = L->app->applicant_org;
            p.kind = RONGYU__ROLE__ROLE_GRASSROOTS;
            w.case_id = L->ids[i];
            w.state = RONGYU__CASE_STATE__SUBMITTED;
            w.timeout_ms = 10000;
            req.principal = &p;
            req.body_case = RONGYU__REQUEST__BODY_WAIT;
            req.wait = &w;
            Rongyu__Reply *rep = NULL;
            if (cli_client_call(cl, &req, 15000, 3, &rep) == 0 &&
                rep->code == RONGYU__ERROR_CODE__OK &&
                rep->body_case == RONGYU__REPLY__BODY_WAIT &&
                rep->wait->case_ && rep->wait->case_->case_->verdict) {
                const Rongyu__Case *c = rep->wait->case_->case_;
                lat[done++] = c->updated_at_ms - c->submitted_at_ms;
                if (c->submitted_at_ms < *first)
                    *first = c->submitted_at_ms;
                if (c->updated_at_ms > *last)
                    *last = c->updated_at_ms;
                cli_client_reply_free(&rep);
                break;
            }
            cli_client_reply_free(&rep);
            if (ry_clock_mono_ms() > L->deadline)
                goto out;
            usleep(50000);
        }
    }
out:
    cli_client_destroy(&cl);
    return done;
}

int
main(int argc, char **argv)
{
    s_load_t L = {.n = 1000, .window = 16};
    const char *example = "examples/advanced_home.valid.json";
    const char *acked = NULL, *endpoint = NULL;
    char run[64];
    snprintf(run, sizeof run, "load-%" PRId64, ry_clock_now_ms());
    L.run = run;
    int timeout_s = 600;
    bool json = false;
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
        } else if (strcmp(a, "--example") == 0 && more) {
            example = argv[++i];
        } else if (strcmp(a, "--acked") == 0 && more) {
            acked = argv[++i];
        } else if (strcmp(a, "--run") == 0 && more) {
            L.run = argv[++i];
        } else if (strcmp(a, "--endpoint") == 0 && more) {
            endpoint = argv[++i];
        } else if (strcmp(a, "--timeout") == 0 && more) {
            timeout_s = atoi(argv[++i]);
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "rongyu-load: unknown argument '%s' (--help)\n",
                    a);
            return 2;
        }
    }
    if (L.n <= 0 || L.window <= 0 || L.window > 1024) {
        fprintf(stderr, "rongyu-load: need N > 0 and 0 < W <= 1024\n");
        return 2;
    }
    tools_setup_t setup;
    if (tools_setup("rongyu-load", endpoint, example, &setup) != 0)
        return 2;
    Rongyu__Application *app = setup.app;
    L.endpoint = setup.endpoint;
    L.curve = &setup.curve;
    L.app = app;
    if (acked && !(L.acked_out = fopen(acked, "w"))) {
        fprintf(stderr, "rongyu-load: cannot write '%s'\n", acked);
        return 2;
    }
    L.ids = calloc((size_t)L.n, sizeof *L.ids);
    L.ack_ms = calloc((size_t)L.n, sizeof *L.ack_ms);
    int64_t *lat = calloc((size_t)L.n, sizeof *lat);
    pthread_t *th = calloc((size_t)L.window, sizeof *th);
    if (!L.ids || !L.ack_ms || !lat || !th)
        abort();
    pthread_mutex_init(&L.mu, NULL);
    L.deadline = ry_clock_mono_ms() + (int64_t)timeout_s * 1000;

    fprintf(stderr, "submitting %d applications, %d in flight, to %s\n", L.n,
            L.window, L.endpoint);
    int64_t t0 = ry_clock_mono_ms();
    for (int i = 0; i < L.window; i++)
        pthread_create(&th[i], NULL, s_worker, &L);
    for (int i = 0; i < L.window; i++)
        pthread_join(th[i], NULL);
    int64_t t_acked = ry_clock_mono_ms() - t0;
    if (L.acked_out)
        fclose(L.acked_out);
    fprintf(stderr, "waiting for the verdicts\n");
    int64_t first, last;
    int judged = s_collect(&L, lat, &first, &last);
    qsort(lat, (size_t)judged, sizeof *lat, s_cmp);
    int64_t ack_sorted_n = 0;
    for (int i = 0; i < L.n; i++)
        if (L.ids[i])
            L.ack_ms[ack_sorted_n++] = L.ack_ms[i];
    qsort(L.ack_ms, (size_t)ack_sorted_n, sizeof *L.ack_ms, s_cmp);
    double span = judged ? (double)(last - first) / 1000.0 : 0;
    double tput = span > 0 ? judged / span : 0;
    int64_t p50 = judged ? lat[judged / 2] : 0;
    int64_t p99 = judged ? lat[(judged * 99) / 100 < judged ? (judged * 99) / 100 : judged - 1] : 0;
    int64_t a50 = ack_sorted_n ? L.ack_ms[ack_sorted_n / 2] : 0;
    int64_t a99 = ack_sorted_n ? L.ack_ms[(ack_sorted_n * 99) / 100] : 0;
    if (json)
        printf("{\"submitted\":%d,\"acknowledged\":%d,\"failed\":%d,"
               "\"judged\":%d,\"window\":%d,\"submit_seconds\":%.3f,"
               "\"verdicts_per_second\":%.1f,\"verdict_p50_ms\":%" PRId64
               ",\"verdict_p99_ms\":%" PRId64 ",\"ack_p50_ms\":%" PRId64
               ",\"ack_p99_ms\":%" PRId64 "}\n",
               L.n, L.acked, L.failed, judged, L.window, t_acked / 1000.0,
               tput, p50, p99, a50, a99);
    else
        printf("submitted %d, acknowledged %d, failed %d, judged %d (window "
               "%d)\n"
               "throughput: %.1f verdicts/s (%.2f s from first submission "
               "to last verdict)\n"
               "submit -> verdict: p50 %" PRId64 " ms, p99 %" PRId64 " ms\n"
               "submit -> ack:     p50 %" PRId64 " ms, p99 %" PRId64 " ms\n",
               L.n, L.acked, L.failed, judged, L.window, tput, span, p50, p99,
               a50, a99);
    for (int i = 0; i < L.n; i++)
        free(L.ids[i]);
    free(L.ids);
    free(L.ack_ms);
    free(lat);
    free(th);
    ry_json_application_free(&app);
    return L.failed || judged != L.acked ? 1 : 0;
}
