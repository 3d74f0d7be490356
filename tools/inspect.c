/* rongyu-inspect: reads the stores of stopped services and checks that
 * every acknowledged application exists once with exactly one verdict and
 * that nothing is left in an outbox that its peer did not apply (used by
 * the crash tests); prints the
 * case lifecycle table (docs/review.md is checked against it). */
#include "intake_cases.h"
#include "intake_fsm.h"
#include "intake_internal.h"
#include "notify_server.h"
#include "quota_ledger.h"
#include "rongyu.pb-c.h"
#include "ry_config.h"
#include "ry_error.h"
#include "ry_outbox.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "validation_server.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_failures;

static void s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
s_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    s_failures++;
}

static ry_store_t *
s_open(const char *home, const char *svc, const char *const *tables)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", home, svc);
    ry_store_t *st = NULL;
    if (ry_store_open(&st, dir, (size_t)1 << 30, tables) != 0) {
        fprintf(stderr, "cannot open store '%s'\n", dir);
        exit(2);
    }
    return st;
}

static uint64_t
s_count(ry_store_t *st, const char *table)
{
    ry_txn_t *txn;
    uint64_t n = 0;
    if (ry_txn_begin(st, NULL, false, &txn) == 0) {
        ry_txn_count(txn, table, &n);
        ry_txn_abort(&txn);
    }
    return n;
}

/* Counts the audit entries of a case whose 'what' is "verdict". */
static int
s_verdict_entry(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    Rongyu__AuditEntry *e = (Rongyu__AuditEntry *)ry_pb_unpack(
        &rongyu__audit_entry__descriptor, val->data, val->len, 0);
    if (e && strcmp(e->what, "verdict") == 0)
        (*(int *)arg)++;
    ry_pb_free(&e);
    return 0;
}

/* With --strangers, dead letters of senders that are not configured
 * peers ("in|?|...") are expected, within their bound. */
static bool s_strangers;

static int
s_stranger_row(const ry_outbox_dead_t *d, void *arg)
{
    uint64_t *n = arg;
    if (strcmp(d->peer, RY_OUTBOX_STRANGER) == 0)
        (*n)++;
    return 0;
}

/* The stores verify reads, by service name, to look up a peer's. */
typedef struct {
    const char *name;
    ry_store_t *st;
} s_svc_t;

typedef struct {
    const s_svc_t *svcs;
    int nsvcs;
    const char *svc;
    ry_txn_t *txn;
    uint64_t rows;      /* rows not acknowledged, by the link counters */
    uint64_t unapplied; /* of them, rows the peer never applied */
} s_link_check_t;

/* A link of the service in l to 'peer': a row left is fine only when the
 * peer applied it (stopped before the acknowledgement came back, it
 * would go again and be found applied). */
static int
s_link_check(const char *peer, void *arg)
{
    s_link_check_t *l = arg;
    uint64_t depth = 0, applied = 0, left = 0;
    if (ry_outbox_depth(l->txn, peer, &depth) != 0)
        return RY_EIO;
    for (int i = 0; depth && i < l->nsvcs; i++) {
        ry_txn_t *pt;
        if (strcmp(l->svcs[i].name, peer) != 0 ||
            ry_txn_begin(l->svcs[i].st, NULL, false, &pt) != 0)
            continue;
        if (ry_outbox_applied(pt, l->svc, &applied) != 0)
            applied = 0;
        ry_txn_abort(&pt);
    }
    if (ry_outbox_unapplied(l->txn, peer, applied, &left) != 0)
        return RY_EIO;
    l->rows += depth;
    l->unapplied += left;
    return 0;
}

static void
s_check_outbox(const s_svc_t *svcs, int nsvcs, int which)
{
    ry_store_t *st = svcs[which].st;
    const char *svc = svcs[which].name;
    uint64_t n = s_count(st, "ry_outbox"), d = s_count(st, "ry_dead");
    uint64_t strangers = 0;
    if (s_strangers) {
        ry_txn_t *txn;
        if (ry_txn_begin(st, NULL, false, &txn) == 0) {
            ry_outbox_dead_scan(txn, NULL, s_stranger_row, &strangers);
            ry_txn_abort(&txn);
        }
        if (strangers > RY_OUTBOX_DEAD_ROWS_STRANGER)
            s_fail("%s: %" PRIu64 " dead letters of strangers, over the "
                   "bound of %d",
                   svc, strangers, RY_OUTBOX_DEAD_ROWS_STRANGER);
        if (strangers)
            printf("%s: %" PRIu64 " dead letters of strangers (bound %d)\n",
                   svc, strangers, RY_OUTBOX_DEAD_ROWS_STRANGER);
    }
    if (n) {
        s_link_check_t l = {svcs, nsvcs, svc, NULL, 0, 0};
        int rc = ry_txn_begin(st, NULL, false, &l.txn);
        if (rc == 0)
            rc = ry_outbox_peers(l.txn, s_link_check, &l);
        ry_txn_abort(&l.txn);
        if (rc)
            s_fail("%s: %" PRIu64 " outbox rows left, their links "
                   "unreadable: %s",
                   svc, n, ry_strerror(rc));
        else if (l.rows != n)
            s_fail("%s: %" PRIu64 " outbox rows left, the link counters "
                   "account for %" PRIu64,
                   svc, n, l.rows);
        else if (l.unapplied)
            s_fail("%s: %" PRIu64 " outbox rows left, %" PRIu64
                   " of them not applied by their peer",
                   svc, n, l.unapplied);
        else
            printf("%s: %" PRIu64 " outbox rows applied by their peer, "
                   "its acknowledgement not back before the stop\n",
                   svc, n);
    }
    if (d > strangers)
        s_fail("%s: %" PRIu64 " dead letters", svc, d - strangers);
}

static int
s_verify(const char *home, const char *acked_path)
{
    static const char *const it[] = {INTAKE_TABLES, NULL};
    static const char *const vt[] = {VALIDATION_TABLES, NULL};
    static const char *const nt[] = {NOTIFY_TABLES, NULL};
    static const char *const qt[] = {QUOTA_TABLES, RY_CHANNEL_TABLES, NULL};
    ry_store_t *in = s_open(home, "intake", it);
    ry_store_t *va = s_open(home, "validation", vt);
    ry_store_t *no = s_open(home, "notification", nt);
    ry_store_t *qu = s_open(home, "quota", qt);

    FILE *f = fopen(acked_path, "r");
    if (!f) {
        fprintf(stderr, "cannot open '%s'\n", acked_path);
        return 2;
    }
    char line[256];
    uint64_t acked = 0, unique = 0;
    char **seen = NULL;
    ry_txn_t *ti, *tv;
    ry_txn_begin(in, NULL, false, &ti);
    ry_txn_begin(va, NULL, false, &tv);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n ")] = '\0';
        if (!*line)
            continue;
        acked++;
        bool dup = false;
        for (uint64_t i = 0; i < unique && !dup; i++)
            dup = strcmp(seen[i], line) == 0;
        if (dup) {
            s_fail("case %s acknowledged twice", line);
            continue;
        }
        seen = realloc(seen, sizeof *seen * (unique + 1));
        seen[unique++] = strdup(line);
        Rongyu__Case *c = NULL;
        int lrc = intake_cases_load(ti, line, &c);
        if (lrc == RY_ENOTFOUND) {
            s_fail("acknowledged case %s missing", line);
            continue;
        }
        if (lrc) {
            s_fail("case %s does not read: %s", line, ry_strerror(lrc));
            continue;
        }
        /* Its application whole: the head in its row, the rest apart
         * ("apps"). */
        char why[300];
        int arc = intake_cases_application_check(ti, line, why, sizeof why);
        if (arc && *why)
            s_fail("%s", why);
        else if (arc)
            s_fail("case %s: its application does not read: %s", line,
                   ry_strerror(arc));
        /* The verdict is kept beside the case under case id + be32
         * revision (or, stored by an earlier version, inside it). */
        bool verdict = c && c->verdict;
        if (c && !verdict && strlen(line) < 100) {
            uint8_t vk[104];
            size_t kl = strlen(line);
            memcpy(vk, line, kl);
            for (int i = 0; i < 4; i++)
                vk[kl + (size_t)i] = (uint8_t)(c->revision >> (24 - 8 * i));
            ry_val_t vv;
            verdict = ry_txn_get(ti, "verdicts", vk, kl + 4, &vv) == 0;
        }
        if (!c || !verdict ||
            (c->state != RONGYU__CASE_STATE__ELIGIBLE &&
             c->state != RONGYU__CASE_STATE__INELIGIBLE))
            s_fail("case %s has no verdict (state %d)",
                   line, c ? (int)c->state : 0);
        ry_pb_free(&c);
        int verdicts = 0;
        ry_txn_scan(ti, "audit", line, strlen(line) + 1, NULL, 0, s_verdict_entry,
                    &verdicts);
        if (verdicts != 1)
            s_fail("case %s has %" PRIu64 " verdict entries in its audit "
                   "log",
                   line, (uint64_t)verdicts);
        char vkey[128];
        int n = snprintf(vkey, sizeof vkey, "%s|%08x", line, 1u);
        ry_val_t v;
        if (ry_txn_get(tv, "verdicts", vkey, (size_t)n, &v) != 0)
            s_fail("validation holds no verdict for %s", line);
    }
    fclose(f);
    /* The case indexes moved with every case, crashes or not. */
    char why[300];
    if (intake_cases_index_check(ti, why, sizeof why) != 0)
        s_fail("intake: case indexes disagree with the cases: %s", why);
    ry_txn_abort(&ti);
    ry_txn_abort(&tv);

    uint64_t cases = s_count(in, "cases");
    uint64_t verdicts = s_count(va, "verdicts");
    uint64_t events = s_count(no, "events");
    if (cases != unique)
        s_fail("%s: %" PRIu64 " cases stored, %" PRIu64 " acknowledged",
               "intake", cases, unique);
    if (verdicts != cases)
        s_fail("%s: %" PRIu64 " verdicts for %" PRIu64 " cases",
               "validation", verdicts, cases);
    if (events != 2 * cases)
        s_fail("%s: %" PRIu64 " events for %" PRIu64
               " cases (want submitted + verdict each)",
               "notification", events, cases);
    const s_svc_t svcs[] = {{"intake", in},
                            {"validation", va},
                            {"notification", no},
                            {"quota", qu}};
    for (int i = 0; i < 4; i++)
        s_check_outbox(svcs, 4, i);
    printf("acknowledged %" PRIu64 " (%" PRIu64 " distinct), cases %" PRIu64
           ", verdicts %" PRIu64 ", events %" PRIu64 ": %s\n",
           acked, unique, cases, verdicts, events,
           s_failures ? "FAILED" : "all consistent");
    for (uint64_t i = 0; i < unique; i++)
        free(seen[i]);
    free(seen);
    ry_store_destroy(&in);
    ry_store_destroy(&va);
    ry_store_destroy(&no);
    ry_store_destroy(&qu);
    return s_failures ? 1 : 0;
}

typedef struct {
    uint64_t rows, bytes, max;
} s_sum_t;

static int
s_sum_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_sum_t *s = arg;
    s->rows++;
    s->bytes += key->len + val->len;
    if (key->len + val->len > s->max)
        s->max = key->len + val->len;
    return 0;
}

/* Prints, for the intake, validation and notification stores under home,
 * each table's rows and key + value bytes, and per case (the number of
 * "cases" rows of intake). */
static int
s_bytes(const char *home)
{
    static const char *const it[] = {INTAKE_TABLES, NULL};
    static const char *const vt[] = {VALIDATION_TABLES, NULL};
    static const char *const nt[] = {NOTIFY_TABLES, NULL};
    const char *const *tables[] = {it, vt, nt};
    const char *names[] = {"intake", "validation", "notification"};
    uint64_t cases = 0;
    for (int k = 0; k < 3; k++) {
        ry_store_t *st = s_open(home, names[k], tables[k]);
        if (k == 0)
            cases = s_count(st, "cases");
        ry_txn_t *txn;
        if (ry_txn_begin(st, NULL, false, &txn) != 0)
            return 2;
        uint64_t total = 0;
        for (const char *const *t = tables[k]; *t; t++) {
            s_sum_t s = {0, 0, 0};
            ry_txn_scan(txn, *t, NULL, 0, NULL, 0, s_sum_row, &s);
            total += s.bytes;
            if (s.rows)
                printf("%s %-12s rows %6" PRIu64 " bytes %9" PRIu64
                       " per case %7.1f largest row %6" PRIu64 "\n",
                       names[k], *t, s.rows, s.bytes,
                       cases ? (double)s.bytes / (double)cases : 0.0, s.max);
        }
        printf("%s total bytes %" PRIu64 " per case %.1f (%" PRIu64
               " cases)\n",
               names[k], total, cases ? (double)total / (double)cases : 0.0,
               cases);
        ry_txn_abort(&txn);
        ry_store_destroy(&st);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "bytes") == 0)
        return s_bytes(argv[2]);
    if (argc == 3 && strcmp(argv[1], "fsm") == 0 &&
        strcmp(argv[2], "--markdown") == 0)
        return intake_fsm_markdown(stdout) == 0 ? 0 : 1;
    if ((argc == 4 || (argc == 5 && strcmp(argv[4], "--strangers") == 0)) &&
        strcmp(argv[1], "verify") == 0) {
        s_strangers = argc == 5;
        return s_verify(argv[2], argv[3]);
    }
    printf("usage: rongyu-inspect verify HOME ACKED_FILE [--strangers]\n"
           "       rongyu-inspect bytes HOME\n"
           "       rongyu-inspect fsm --markdown\n\n"
           "Opens the stores of the (stopped) services under HOME and checks\n"
           "that every case id listed in ACKED_FILE exists once with exactly\n"
           "one verdict, that validation holds one verdict per case, that\n"
           "notification holds two events per case, that intake's case\n"
           "indexes agree with its cases, that every outbox row left was\n"
           "applied by its peer (stopped before its acknowledgement came\n"
           "back), and that no dead letter is left (with --strangers: but\n"
           "the dead letters of senders that are not configured peers,\n"
           "within their bound).\n"
           "Exits 0 when all holds, 1 otherwise.\n"
           "bytes: prints the rows and key + value bytes of each table of\n"
           "intake, validation and notification, per stored case, and the\n"
           "largest row.\n"
           "\n"
           "fsm --markdown prints the case lifecycle table (intake_fsm) as\n"
           "the Markdown table of docs/review.md.\n"
           "检查已停止服务的存储：\n"
           "每个已确认的申报恰好存在一次且只有一个审查结论，\n"
           "案件索引与案件一致，发件箱中剩余的消息均已被对方应用。\n"
           "fsm --markdown 打印案件状态转换表。\n");
    return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
