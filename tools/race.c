/* rongyu-race: N clients race to recommend N approved excellent-worker
 * cases into one quota column at the same instant, then it reports how
 * many seats were granted and refused. Used by
 * tests/integration/quota_race.sh; asserts nothing itself. */
#include "cli_client.h"
#include "rongyu.pb-c.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_json.h"
#include "tools_setup.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *endpoint;
    const char *unit;
    const char *run;
    int n;
    char **ids;
    int *ok; /* per client: the recommendation was acknowledged */
    int64_t deadline;
    pthread_barrier_t start;
} s_race_t;

typedef struct {
    s_race_t *R;
    int i;
} s_arg_t;

static void
s_usage(void)
{
    printf(
        "usage: rongyu-race [-n N] [--example FILE] [--unit UNIT] "
        "[--run ID]\n"
        "                   [--endpoint URL] [--timeout S]\n\n"
        "Submits N copies of an excellent-worker application (default\n"
        "examples/excellent_worker.valid.json), each naming a person of\n"
        "its own (the name with 1..N appended), waits for their verdicts,\n"
        "approves each as the organising unit, then N threads, each with\n"
        "its own connection, send their RecommendRequest at the same\n"
        "instant (a barrier), retrying with the same idempotency key\n"
        "until intake answers. Then waits until no case is still\n"
        "'recommending' and prints one JSON line:\n"
        "  {\"granted\": G, \"refused\": R, \"pending\": P, \"other\": O}\n"
        "N 个客户端同时推荐 N 件优秀工会工作者申报，统计获得与被拒的名额。\n");
}

/* Sends req until intake answers (any code), retrying transport errors on
 * a fresh connection with the same request. Returns the reply or NULL
 * past the deadline. */
/* Our key and intake's, from tools_setup. */
static cli_curve_t s_curve;

static Rongyu__Reply *
s_call(const char *endpoint, const Rongyu__Request *req, int64_t deadline)
{
    for (;;) {
        cli_client_t *cl = NULL;
        Rongyu__Reply *rep = NULL;
        int rc = cli_client_new(endpoint, &s_curve, &cl);
        if (rc == 0)
            rc = cli_client_call(cl, req, 2000, 1, &rep);
        cli_client_destroy(&cl);
        if (rc == 0)
            return rep;
        if (ry_clock_mono_ms() > deadline)
            return NULL;
        usleep(100000);
    }
}

static void
s_principal(Rongyu__Principal *p, const char *org, const char *role)
{
    Rongyu__Principal init = RONGYU__PRINCIPAL__INIT;
    *p = init;
    p->org_id = (char *)org;
    p->role = (char *)role;
    p->user = (char *)"rongyu-race";
}

/* The case's state, or 0. */
static int
s_state(s_race_t *R, const char *id, char *note, size_t nlen)
{
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__Principal p;
    Rongyu__GetRequest g = RONGYU__GET_REQUEST__INIT;
    s_principal(&p, R->unit, "unit");
    g.case_id = (char *)id;
    req.principal = &p;
    req.body_case = RONGYU__REQUEST__BODY_GET;
    req.get = &g;
    Rongyu__Reply *rep = s_call(R->endpoint, &req, R->deadline);
    int st = 0;
    if (rep && rep->code == RONGYU__ERROR_CODE__OK && rep->case_ &&
        rep->case_->case_) {
        st = rep->case_->case_->state;
        if (note)
            snprintf(note, nlen, "%s", rep->case_->case_->note);
    }
    cli_client_reply_free(&rep);
    return st;
}

static void *
s_recommend(void *arg)
{
    s_arg_t *a = arg;
    s_race_t *R = a->R;
    char key[128];
    snprintf(key, sizeof key, "%s-recommend-%d", R->run, a->i);
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__Principal p;
    Rongyu__RecommendRequest rr = RONGYU__RECOMMEND_REQUEST__INIT;
    s_principal(&p, R->unit, "unit");
    rr.case_id = R->ids[a->i];
    rr.opinion = (char *)"同意推荐 (rongyu-race)";
    req.principal = &p;
    req.idempotency_key = key;
    req.body_case = RONGYU__REQUEST__BODY_RECOMMEND;
    req.recommend = &rr;
    pthread_barrier_wait(&R->start);
    Rongyu__Reply *rep = s_call(R->endpoint, &req, R->deadline);
    R->ok[a->i] = rep && rep->code == RONGYU__ERROR_CODE__OK;
    if (rep && rep->code != RONGYU__ERROR_CODE__OK)
        fprintf(stderr, "recommend %d: %s %s\n", a->i,
                rongyu__error_code__descriptor.values[rep->code].name,
                rep->detail);
    cli_client_reply_free(&rep);
    return NULL;
}

int
main(int argc, char **argv)
{
    s_race_t R = {.n = 50, .unit = "萧山区"};
    const char *example = "examples/excellent_worker.valid.json";
    const char *endpoint = NULL;
    char run[64];
    snprintf(run, sizeof run, "race-%lld", (long long)ry_clock_mono_ms());
    R.run = run;
    int timeout_s = 300;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            s_usage();
            return 0;
        } else if (strcmp(a, "-n") == 0 && more) {
            R.n = atoi(argv[++i]);
        } else if (strcmp(a, "--example") == 0 && more) {
            example = argv[++i];
        } else if (strcmp(a, "--unit") == 0 && more) {
            R.unit = argv[++i];
        } else if (strcmp(a, "--run") == 0 && more) {
            R.run = argv[++i];
        } else if (strcmp(a, "--endpoint") == 0 && more) {
            endpoint = argv[++i];
        } else if (strcmp(a, "--timeout") == 0 && more) {
            timeout_s = atoi(argv[++i]);
        } else {
            fprintf(stderr, "rongyu-race: unknown argument '%s' (--help)\n", a);
            return 2;
        }
    }
    if (R.n <= 0 || R.n > 1000) {
        fprintf(stderr, "rongyu-race: need 0 < N <= 1000\n");
        return 2;
    }
    tools_setup_t setup;
    if (tools_setup("rongyu-race", endpoint, example, &setup) != 0)
        return 2;
    Rongyu__Application *app = setup.app;
    R.endpoint = setup.endpoint;
    s_curve = setup.curve;
    R.deadline = ry_clock_mono_ms() + (int64_t)timeout_s * 1000;
    R.ids = calloc((size_t)R.n, sizeof *R.ids);
    R.ok = calloc((size_t)R.n, sizeof *R.ok);
    pthread_t *th = calloc((size_t)R.n, sizeof *th);
    s_arg_t *args = calloc((size_t)R.n, sizeof *args);
    if (!R.ids || !R.ok || !th || !args)
        abort();
    int rc = 1;

    /* 1. Submit, each with its own key, as the applicant: N nominees of
     * one union, each a person of their own (a unit puts a person
     * forward once). */
    char *name0 = app->person ? app->person->name : NULL;
    for (int i = 0; i < R.n; i++) {
        char key[128], name[160];
        snprintf(key, sizeof key, "%s-submit-%d", R.run, i);
        snprintf(name, sizeof name, "%s%d", name0 ? name0 : "", i + 1);
        if (app->person)
            app->person->name = name;
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        Rongyu__Principal p;
        Rongyu__SubmitRequest sub = RONGYU__SUBMIT_REQUEST__INIT;
        s_principal(&p, app->applicant_org, "grassroots");
        sub.application = app;
        req.principal = &p;
        req.idempotency_key = key;
        req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
        req.submit = &sub;
        Rongyu__Reply *rep = s_call(R.endpoint, &req, R.deadline);
        if (app->person)
            app->person->name = name0;
        if (!rep || rep->code != RONGYU__ERROR_CODE__OK || !rep->case_) {
            fprintf(stderr, "rongyu-race: submit %d failed: %s\n", i,
                    rep ? rep->detail : "no answer");
            cli_client_reply_free(&rep);
            goto out;
        }
        R.ids[i] = strdup(rep->case_->case_->case_id);
        cli_client_reply_free(&rep);
    }
    /* 2. Wait for the verdicts; 3. approve each as the unit. */
    for (int i = 0; i < R.n; i++) {
        int st;
        while ((st = s_state(&R, R.ids[i], NULL, 0)) ==
               RONGYU__CASE_STATE__SUBMITTED) {
            if (ry_clock_mono_ms() > R.deadline)
                goto out;
            usleep(20000);
        }
        if (st != RONGYU__CASE_STATE__ELIGIBLE) {
            fprintf(stderr, "rongyu-race: case %s is not eligible (%d)\n",
                    R.ids[i], st);
            goto out;
        }
        char key[128];
        snprintf(key, sizeof key, "%s-approve-%d", R.run, i);
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        Rongyu__Principal p;
        Rongyu__ReviewRequest rv = RONGYU__REVIEW_REQUEST__INIT;
        s_principal(&p, R.unit, "unit");
        rv.case_id = R.ids[i];
        rv.decision = RONGYU__REVIEW_DECISION__REVIEW_APPROVE;
        rv.opinion = (char *)"验家合格 (rongyu-race)";
        req.principal = &p;
        req.idempotency_key = key;
        req.body_case = RONGYU__REQUEST__BODY_REVIEW;
        req.review = &rv;
        Rongyu__Reply *rep = s_call(R.endpoint, &req, R.deadline);
        bool ok = rep && rep->code == RONGYU__ERROR_CODE__OK;
        cli_client_reply_free(&rep);
        if (!ok) {
            fprintf(stderr, "rongyu-race: approving %s failed\n", R.ids[i]);
            goto out;
        }
    }
    fprintf(stderr,
            "rongyu-race: %d cases approved; %d clients recommend "
            "at once\n",
            R.n, R.n);
    /* 4. The race. */
    pthread_barrier_init(&R.start, NULL, (unsigned)R.n);
    for (int i = 0; i < R.n; i++) {
        args[i].R = &R;
        args[i].i = i;
        pthread_create(&th[i], NULL, s_recommend, &args[i]);
    }
    for (int i = 0; i < R.n; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&R.start);
    int acked = 0;
    for (int i = 0; i < R.n; i++)
        acked += R.ok[i];
    fprintf(stderr,
            "rongyu-race: %d of %d recommendations acknowledged; "
            "waiting for quota's answers\n",
            acked, R.n);
    /* 5. Wait until every answer came back. */
    int granted, refused, pending, other;
    for (;;) {
        granted = refused = pending = other = 0;
        for (int i = 0; i < R.n; i++) {
            char note[600];
            int st = s_state(&R, R.ids[i], note, sizeof note);
            if (st == RONGYU__CASE_STATE__RECOMMENDED)
                granted++;
            else if (st == RONGYU__CASE_STATE__APPROVED && note[0])
                refused++;
            else if (st == RONGYU__CASE_STATE__RECOMMENDING)
                pending++;
            else
                other++;
        }
        if (pending == 0 || ry_clock_mono_ms() > R.deadline)
            break;
        usleep(200000);
    }
    printf("{\"granted\": %d, \"refused\": %d, \"pending\": %d, \"other\": "
           "%d, \"acknowledged\": %d}\n",
           granted, refused, pending, other, acked);
    rc = pending || acked != R.n ? 1 : 0;
out:
    for (int i = 0; i < R.n; i++)
        free(R.ids[i]);
    free(R.ids);
    free(R.ok);
    free(th);
    free(args);
    ry_json_application_free(&app);
    return rc;
}
