/* load_report: store counters from intake's status, RSS from /proc, and
 * rongyu-load's report. */
#include "load_report.h"

#include "ry_clock.h"
#include "ry_config.h"
#include "ry_error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Asks intake for its status through 'cl' (a call of its own, not
 * pipelined) and fills *out. Returns 0 or the error of the call. */
static int
s_snapshot(cli_client_t *cl, const char *request_id, load_snapshot_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < LOAD_SERVICES; i++)
        snprintf(out->store[i].s.service, sizeof out->store[i].s.service, "%s",
                 ry_service_name(i));
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    req.request_id = (char *)request_id;
    req.body_case = RONGYU__REQUEST__BODY_STATUS;
    req.status = &sr;
    Rongyu__Reply *rep = NULL;
    int rc = cli_client_call(cl, &req, 5000, 3, &rep);
    if (rc)
        return rc;
    if (rep->body_case != RONGYU__REPLY__BODY_STATUS) {
        cli_client_reply_free(&rep);
        return RY_EMALFORMED;
    }
    const Rongyu__StatusReply *s = rep->status;
    for (size_t i = 0; i < s->n_links; i++)
        out->outbox += s->links[i]->outbox;
    for (size_t i = 0; i < s->n_stores; i++) {
        const Rongyu__StoreStats *t = s->stores[i];
        int k = ry_service_index(t->service);
        if (k < 0 || k >= LOAD_SERVICES)
            continue;
        out->store[k].seen = true;
        ry_channel_stats_from_pb(t, &out->store[k].s);
        if (k == RY_SVC_INTAKE)
            out->intake_at_ms = t->at_ms;
    }
    cli_client_reply_free(&rep);
    return 0;
}

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int
load_snapshot_settled(cli_client_t *cl, int seconds, load_snapshot_t *out)
{
    int64_t end = ry_clock_mono_ms() + (int64_t)seconds * 1000;
    int64_t drained_at = 0; /* intake's clock when its outbox was empty */
    char rid[64];
    for (int n = 0;; n++) {
        snprintf(rid, sizeof rid, "load-status-%d", n);
        int rc = s_snapshot(cl, rid, out);
        if (rc == 0 && out->outbox == 0 && !drained_at)
            drained_at = out->intake_at_ms;
        /* The peers' counters come with their answers to intake's
         * pings: wait for ones that reached intake after everything was
         * acknowledged (at_ms: when, on intake's clock), so made after
         * the last ack on the same connection. */
        bool fresh = drained_at != 0;
        for (int i = 1; rc == 0 && i < LOAD_SERVICES; i++)
            if (!out->store[i].seen || out->store[i].s.at_ms <= drained_at)
                fresh = false;
        if (rc == 0 && fresh)
            return 0;
        if (rc == RY_EPERM)
            return rc; /* intake refuses this key: no waiting helps */
        if (ry_clock_mono_ms() > end)
            return RY_ETIMEOUT;
        s_sleep_ms(50);
    }
}

void
load_proc_init(load_proc_t rss[LOAD_SERVICES], const char *home, char **pids,
               int npids)
{
    for (int i = 0; i < LOAD_SERVICES; i++) {
        const char *name = ry_service_name(i);
        size_t len = strlen(name);
        memset(&rss[i], 0, sizeof rss[i]);
        for (int k = 0; k < npids; k++)
            if (strncmp(pids[k], name, len) == 0 && pids[k][len] == '=')
                rss[i].pid = atol(pids[k] + len + 1);
        if (rss[i].pid || !home)
            continue;
        char path[700];
        snprintf(path, sizeof path, "%s/%s.pid", home, name);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%ld", &rss[i].pid) != 1)
                rss[i].pid = 0;
            fclose(f);
        }
    }
}

void
load_proc_sample(load_proc_t rss[LOAD_SERVICES])
{
    for (int i = 0; i < LOAD_SERVICES; i++) {
        if (!rss[i].pid)
            continue;
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%ld/status", rss[i].pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f)) {
            long v;
            if (sscanf(line, "RssAnon: %ld", &v) == 1)
                rss[i].anon_kib = v;
            else if (sscanf(line, "RssFile: %ld", &v) == 1)
                rss[i].file_kib = v;
        }
        fclose(f);
        if (rss[i].anon_kib > rss[i].anon_max_kib)
            rss[i].anon_max_kib = rss[i].anon_kib;
    }
}

/* The user + system time in seconds of a process (/proc/PID/stat) or of
 * one of its threads (/proc/PID/task/TID/stat): the 14th and 15th
 * fields, after the command name in parentheses; or -1. The user time
 * alone in *user when 'user' is not NULL. */
static double
s_cpu_seconds(const char *path, double *user)
{
    double ignored;
    if (!user)
        user = &ignored;
    *user = -1;
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -1;
    *user = (double)ut / (double)hz;
    return (double)(ut + st) / (double)hz;
}

/* The seconds a thread spent ready to run while others ran on the CPUs
 * (/proc/PID/task/TID/schedstat: nanoseconds on a CPU, waiting on a run
 * queue, time slices), or -1. */
static double
s_ready_seconds(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long ran, waited;
    int n = fscanf(f, "%llu %llu", &ran, &waited);
    fclose(f);
    return n == 2 ? (double)waited / 1e9 : -1;
}

void
load_proc_cpu(load_proc_t rss[LOAD_SERVICES], bool start)
{
    for (int i = 0; i < LOAD_SERVICES; i++) {
        double u = -1, s = -1, m = -1, r = -1;
        if (rss[i].pid) {
            char path[80];
            snprintf(path, sizeof path, "/proc/%ld/stat", rss[i].pid);
            s = s_cpu_seconds(path, &u);
            snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", rss[i].pid,
                     rss[i].pid);
            m = s_cpu_seconds(path, NULL);
            snprintf(path, sizeof path, "/proc/%ld/task/%ld/schedstat",
                     rss[i].pid, rss[i].pid);
            r = s_ready_seconds(path);
        }
        if (start) {
            rss[i].cpu_start = s;
            rss[i].user_start = u;
            rss[i].main_start = m;
            rss[i].ready_start = r;
        } else {
            rss[i].cpu_end = s;
            rss[i].user_end = u;
            rss[i].main_end = m;
            rss[i].ready_end = r;
        }
    }
}

/* A CPU time between two readings per acknowledged application, in
 * microseconds, or -1 when unknown. */
static double
s_us_per(double start, double end, int acked)
{
    if (start < 0 || end < start || acked <= 0)
        return -1;
    return (end - start) * 1e6 / acked;
}

/* A service's CPU time (user + system) per acknowledged application. */
static double
s_cpu_us(const load_proc_t *p, int acked)
{
    return s_us_per(p->cpu_start, p->cpu_end, acked);
}

/* Its user time alone; the system time is the rest. */
static double
s_user_us(const load_proc_t *p, int acked)
{
    return s_us_per(p->user_start, p->user_end, acked);
}

/* Its main thread's (user + system). */
static double
s_main_us(const load_proc_t *p, int acked)
{
    return s_us_per(p->main_start, p->main_end, acked);
}

/* The time its main thread was ready to run but waited for a CPU. */
static double
s_ready_us(const load_proc_t *p, int acked)
{
    return s_us_per(p->ready_start, p->ready_end, acked);
}

static double
s_system_us(const load_proc_t *p, int acked)
{
    double all = s_cpu_us(p, acked), user = s_user_us(p, acked);
    if (all < 0 || user < 0)
        return -1;
    return all > user ? all - user : 0; /* equal but for rounding */
}

static double
s_per(uint64_t a, uint64_t b, int n)
{
    return n > 0 && a >= b ? (double)(a - b) / n : 0;
}

/* Whether service i's store was opened again between the two readings:
 * the service restarted, and its counters began again from 0. */
static bool
s_restarted(const load_snapshot_t *before, const load_snapshot_t *after, int i)
{
    return before->store[i].seen && after->store[i].seen &&
           before->store[i].s.store.opened_ns !=
               after->store[i].s.store.opened_ns;
}

/* The counters to subtract from service i's last reading: the first
 * reading's, or none (zeros) when the service restarted in between. */
static const ry_store_stats_t *
s_base(const load_snapshot_t *before, const load_snapshot_t *after, int i)
{
    static const ry_store_stats_t zero;
    return s_restarted(before, after, i) ? &zero : &before->store[i].s.store;
}

/* One store's figures over the run: 'a' after it, 'b' before. */
typedef struct {
    double fsyncs_per_app, written_per_app, commit_us_per_app;
    /* The time inside its commits over the run's (first submission to
     * last verdict). The counters are read once the services settle, so
     * the few commits after the last verdict count too: on a run of a
     * fraction of a second this may exceed 1. */
    double commit_share;
    /* Per commit that wrote (hence synced): pages written (of the
     * store's own page size) and milliseconds inside the commit. */
    double pages_per_commit, ms_per_commit;
    double stored_per_app; /* used size / the applications in intake */
    /* Synced apart (intake), per commit that wrote, milliseconds: from
     * the commit to its sync's start, and from the sync's end to its
     * answers beginning to go out. */
    double sync_start_ms, answered_ms;
} s_store_figures_t;

static s_store_figures_t
s_store_figures(const ry_store_stats_t *a, const ry_store_stats_t *b,
                const load_figures_t *f, uint64_t apps)
{
    int synced = (int)(a->syncs - b->syncs);
    s_store_figures_t g = {
        .fsyncs_per_app = s_per(a->syncs, b->syncs, f->acked),
        .written_per_app = s_per(a->bytes_written, b->bytes_written, f->acked),
        .commit_us_per_app = s_per(a->commit_us, b->commit_us, f->acked),
        .ms_per_commit = s_per(a->commit_us, b->commit_us, synced) / 1000,
        .stored_per_app = apps ? (double)a->used_bytes / (double)apps : 0,
        .sync_start_ms =
            s_per(a->sync_start_us, b->sync_start_us, synced) / 1000,
        .answered_ms = s_per(a->answered_us, b->answered_us, synced) / 1000,
    };
    if (f->verdict_seconds > 0 && a->commit_us >= b->commit_us)
        g.commit_share =
            (double)(a->commit_us - b->commit_us) / 1e6 / f->verdict_seconds;
    if (a->page_size)
        g.pages_per_commit = s_per(a->bytes_written, b->bytes_written, synced) /
                             (double)a->page_size;
    return g;
}

void
load_report_print(FILE *out, bool json, const load_figures_t *f,
                  const load_snapshot_t *before, const load_snapshot_t *after,
                  const load_proc_t rss[LOAD_SERVICES])
{
    double acks_s = f->ack_seconds > 0 ? f->acked / f->ack_seconds : 0;
    double verd_s = f->verdict_seconds > 0 ? f->judged / f->verdict_seconds : 0;
    uint64_t apps = after->store[RY_SVC_INTAKE].s.store.cases;
    char rate[64] = "";
    if (f->rate > 0)
        snprintf(rate, sizeof rate, ", rate %.1f/s", f->rate);
    if (json) {
        fprintf(out,
                "{\"submitted\":%d,\"acknowledged\":%d,\"failed\":%d,"
                "\"judged\":%d,\"window\":%d,\"connections\":%d,"
                "\"keys\":\"%s\",\"rate\":%.1f,\"acks_per_second\":%.1f,"
                "\"verdicts_per_second\":%.1f,\"ack_seconds\":%.3f,"
                "\"verdict_seconds\":%.3f,\"ack_p50_ms\":%" PRId64
                ",\"ack_p99_ms\":%" PRId64 ",\"verdict_p50_ms\":%" PRId64
                ",\"verdict_p99_ms\":%" PRId64 ",\"waits_delayed\":%d,"
                "\"wait_requests\":%d,\"load_cpu_seconds\":%.2f,"
                "\"applications_stored\":%" PRIu64 ",\"stores\":[",
                f->submitted, f->acked, f->failed, f->judged, f->window,
                f->connections, f->hashed_keys ? "hashed" : "counted", f->rate,
                acks_s, verd_s, f->ack_seconds, f->verdict_seconds, f->ack_p50,
                f->ack_p99, f->verdict_p50, f->verdict_p99, f->waits_delayed,
                f->wait_requests, f->cpu_seconds, apps);
        for (int i = 0; i < LOAD_SERVICES; i++) {
            bool restarted = s_restarted(before, after, i);
            const ry_store_stats_t *a = &after->store[i].s.store,
                                   *b = s_base(before, after, i);
            s_store_figures_t g = s_store_figures(a, b, f, apps);
            fprintf(out,
                    "%s{\"service\":\"%s\",\"seen\":%s,"
                    "\"restarted\":%s,\"commits\":%" PRIu64
                    ",\"fsyncs\":%" PRIu64 ",\"bytes_written\":%" PRIu64
                    ",\"bytes_known\":%s,\"fsyncs_per_app\":%.4f,"
                    "\"bytes_written_per_app\":%.0f,\"commit_us_per_app\":%.1f,"
                    "\"commit_share\":%.3f,\"pages_per_commit\":%.1f,"
                    "\"ms_per_commit\":%.3f,\"sync_start_ms\":%.3f,"
                    "\"answered_ms\":%.3f,\"used_bytes\":%" PRIu64
                    ",\"case_rows\":%" PRIu64 ",\"stored_bytes_per_app\":%.0f}",
                    i ? "," : "", after->store[i].s.service,
                    after->store[i].seen ? "true" : "false",
                    restarted ? "true" : "false", a->commits - b->commits,
                    a->syncs - b->syncs, a->bytes_written - b->bytes_written,
                    a->bytes_known ? "true" : "false", g.fsyncs_per_app,
                    g.written_per_app, g.commit_us_per_app, g.commit_share,
                    g.pages_per_commit, g.ms_per_commit, g.sync_start_ms,
                    g.answered_ms, a->used_bytes, a->cases, g.stored_per_app);
        }
        fprintf(out, "],\"rss\":[");
        for (int i = 0; i < LOAD_SERVICES; i++)
            fprintf(out,
                    "%s{\"service\":\"%s\",\"pid\":%ld,\"anon_kib\":%ld,"
                    "\"file_kib\":%ld,\"anon_max_kib\":%ld,"
                    "\"cpu_us_per_app\":%.0f,\"user_us_per_app\":%.0f,"
                    "\"system_us_per_app\":%.0f,\"main_us_per_app\":%.0f,"
                    "\"main_ready_us_per_app\":%.0f}",
                    i ? "," : "", ry_service_name(i), rss[i].pid,
                    rss[i].anon_kib, rss[i].file_kib, rss[i].anon_max_kib,
                    s_cpu_us(&rss[i], f->acked), s_user_us(&rss[i], f->acked),
                    s_system_us(&rss[i], f->acked),
                    s_main_us(&rss[i], f->acked),
                    s_ready_us(&rss[i], f->acked));
        fprintf(out, "]}\n");
        return;
    }
    fprintf(out,
            "提交 submitted %d, 确认 acknowledged %d, 失败 failed %d, "
            "已审 judged %d (window %d, %d connection(s), %s keys%s)\n"
            "吞吐 throughput: %.1f acks/s (%.2f s), %.1f verdicts/s (%.2f s)\n"
            "submit -> ack:     p50 %" PRId64 " ms, p99 %" PRId64 " ms\n"
            "submit -> verdict: p50 %" PRId64 " ms, p99 %" PRId64 " ms\n",
            f->submitted, f->acked, f->failed, f->judged, f->window,
            f->connections, f->hashed_keys ? "hashed" : "counted", rate, acks_s,
            f->ack_seconds, verd_s, f->verdict_seconds, f->ack_p50, f->ack_p99,
            f->verdict_p50, f->verdict_p99);
    fprintf(out, "rongyu-load itself: %.2f s of CPU (user + system) over "
                 "%.2f s\n",
            f->cpu_seconds, f->verdict_seconds);
    fprintf(out, "  %d wait requests, %.3f per acknowledged application\n",
            f->wait_requests,
            f->acked ? (double)f->wait_requests / f->acked : 0.0);
    if (f->waits_delayed)
        fprintf(out,
                "  (%d cases' waits queued behind the cap of parked "
                "waits: their verdict times are late)\n",
                f->waits_delayed);
    fprintf(out, "存储 stores (this run, per acknowledged application; stored "
                 "= used size / %" PRIu64 " applications in intake):\n",
            apps);
    fprintf(out, "  %-13s %10s %12s %14s %14s %10s %13s %10s %12s %10s\n",
            "service", "commits", "fsyncs/app", "written B/app",
            "commit us/app", "in commit", "pages/commit", "ms/commit",
            "used MiB", "stored B/app");
    for (int i = 0; i < LOAD_SERVICES; i++) {
        const char *name = after->store[i].s.service;
        if (!after->store[i].seen) {
            fprintf(out, "  %-13s (no counters: not answering intake)\n", name);
            continue;
        }
        const ry_store_stats_t *a = &after->store[i].s.store,
                               *b = s_base(before, after, i);
        s_store_figures_t g = s_store_figures(a, b, f, apps);
        if (s_restarted(before, after, i))
            fprintf(out,
                    "  %-13s 运行中重启，以下自重启起计 restarted during "
                    "the run: counted from its restart\n",
                    name);
        fprintf(out,
                "  %-13s %10" PRIu64 " %12.3f %14.0f%s %14.1f %9.0f%% %13.1f "
                "%10.3f %12.1f %10.0f\n",
                name, a->commits - b->commits, g.fsyncs_per_app,
                g.written_per_app, a->bytes_known ? "" : "?",
                g.commit_us_per_app, 100 * g.commit_share, g.pages_per_commit,
                g.ms_per_commit, a->used_bytes / 1048576.0, g.stored_per_app);
        if (a->sync_start_us > b->sync_start_us ||
            a->answered_us > b->answered_us)
            fprintf(out,
                    "  %-13s synced apart, per commit: its sync began %.3f ms "
                    "after it, its answers began to go out %.3f ms after the "
                    "sync\n",
                    "", g.sync_start_ms, g.answered_ms);
    }
    fprintf(out, "常驻内存 RSS (KiB, /proc/PID/status at the end; anon max "
                 "while running) and CPU (user + system, then each, "
                 "/proc/PID/stat, and the main thread's, "
                 "/proc/PID/task/PID/stat, per acknowledged application; "
                 "then the time that thread was ready to run but waited "
                 "for a CPU, /proc/PID/task/PID/schedstat):\n");
    for (int i = 0; i < LOAD_SERVICES; i++) {
        if (!rss[i].pid)
            fprintf(out, "  %-13s (pid unknown: --pid %s=PID)\n",
                    ry_service_name(i), ry_service_name(i));
        else
            fprintf(
                out,
                "  %-13s anon %8ld  file %8ld  anon max %8ld  "
                "cpu %6.0f us/app (user %.0f, system %.0f; "
                "main thread %.0f, waited for a CPU %.0f)\n",
                ry_service_name(i), rss[i].anon_kib, rss[i].file_kib,
                rss[i].anon_max_kib, s_cpu_us(&rss[i], f->acked),
                s_user_us(&rss[i], f->acked), s_system_us(&rss[i], f->acked),
                s_main_us(&rss[i], f->acked), s_ready_us(&rss[i], f->acked));
    }
}
