/* test_notify: the notification service's parts in-process: dates in
 * Chinese, signatures, subscribers, the plan on the working-day calendar,
 * timers that fire once, and deliveries per subscriber and channel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notify_deliver.h"
#include "notify_events.h"
#include "notify_extensions.h"
#include "notify_posting.h"
#include "notify_readers.h"
#include "notify_subscribe.h"
#include "notify_subs.h"
#include "notify_text.h"
#include "notify_timers.h"
#include "ry_clock.h"
#include "ry_endpoint.h"
#include "ry_error.h"
#include "ry_hmac.h"
#include "ry_pb.h"
#include "ry_text.h"
#include "ut_campaign.h"
#include "ut_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------ fixture */

typedef struct {
    char dir[256];
    ry_store_t *store;
    ry_calendar_t *cal;
    ry_campaign_t *camp;
    notify_plan_t plan;
} fx_t;

static int
s_setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(ut_tmpdir(f->dir, sizeof f->dir, "notify"), 0);
    static const char *const tables[] = {
        NOTIFY_EVENT_TABLES, NOTIFY_TIMER_TABLES, NOTIFY_DELIVER_TABLES,
        NOTIFY_EXTENSION_TABLES, NULL};
    assert_int_equal(ry_store_open(&f->store, f->dir, 1 << 24, tables), 0);
    assert_int_equal(ry_calendar_new(&f->cal), 0);
    char err[256];
    assert_int_equal(ry_campaign_load_default(&f->camp, err, sizeof err), 0);
    f->plan = (notify_plan_t){f->cal, 3, 9, 3};
    *state = f;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *f = *state;
    ry_campaign_destroy(&f->camp);
    ry_calendar_destroy(&f->cal);
    ry_store_destroy(&f->store);
    ut_rmtree(f->dir);
    free(f);
    return 0;
}

static int64_t
s_at(const char *text)
{
    int64_t ms;
    assert_int_equal(ry_clock_parse(text, &ms), 0);
    return ms;
}

/* A delivery configuration for the tests: 4 at once, 1 s timeouts,
 * retries from 100 ms to 1 s. */
static notify_config_t
s_deliver_config(void)
{
    notify_config_t nc;
    memset(&nc, 0, sizeof nc);
    nc.max_active = 4;
    nc.timeout_ms = 1000;
    nc.retry_base_ms = 100;
    nc.retry_max_ms = 1000;
    return nc;
}

static Rongyu__NotifyTimer *
s_timer(ry_txn_t *txn, const char *id)
{
    ry_val_t v;
    if (ry_txn_get(txn, "timer_ix", id, strlen(id), &v) != 0)
        return NULL;
    return (Rongyu__NotifyTimer *)ry_pb_unpack(
        &rongyu__notify_timer__descriptor, v.data, v.len, 0);
}

static void
s_assert_timer(ry_txn_t *txn, const char *id, const char *state,
               const char *due)
{
    Rongyu__NotifyTimer *t = s_timer(txn, id);
    assert_non_null(t);
    assert_string_equal(t->state, state);
    if (due)
        assert_int_equal(t->due_ms, s_at(due));
    ry_pb_free(&t);
}

/* Timer id's reason, in Chinese and English. */
static void
s_assert_reason(ry_txn_t *txn, const char *id, const char *reason)
{
    Rongyu__NotifyTimer *t = s_timer(txn, id);
    assert_non_null(t);
    assert_string_equal(t->reason, reason);
    ry_pb_free(&t);
}

/* ------------------------------------------------------------ text */

static void
test_date_zh_has_the_weekday(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(notify_date_zh("2018-11-30", buf, sizeof buf), 0);
    assert_string_equal(buf, "2018年11月30日（星期五）");
    assert_int_equal(notify_date_zh("2018-12-31", buf, sizeof buf), 0);
    assert_string_equal(buf, "2018年12月31日（星期一）");
    assert_int_equal(notify_date_zh("2018-09-30", buf, sizeof buf), 0);
    assert_string_equal(buf, "2018年9月30日（星期日）");
}

static void
test_date_zh_refuses_bad_dates_and_small_buffers(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(notify_date_zh("2018-02-30", buf, sizeof buf),
                     RY_EINVAL);
    assert_int_equal(notify_date_zh("", buf, sizeof buf), RY_EINVAL);
    assert_int_equal(notify_date_zh(NULL, buf, sizeof buf), RY_EINVAL);
    assert_int_equal(notify_date_zh("2018-11-30", buf, 10), RY_EINVAL);
}

static void
test_event_names_are_normalised(void **state)
{
    (void)state;
    char buf[32];
    notify_event_name("Seat Refused", buf, sizeof buf);
    assert_string_equal(buf, "seat_refused");
    assert_string_equal(notify_event_zh("seat-refused"), "名额已满，未能推荐");
    assert_string_equal(notify_event_zh("ineligible"), "资格审查未通过");
    assert_string_equal(notify_event_zh("awarded"), "已获表彰");
    assert_string_equal(notify_event_zh("recommendation_refused"),
                        "名额已满，推荐未成功");
    assert_string_equal(notify_event_zh("no such event"), "");
}

static void
test_ineligible_notice_lists_the_failed_checks(void **state)
{
    (void)state;
    Rongyu__Check c = RONGYU__CHECK__INIT;
    c.code = "R_MEMBERSHIP_MIN";
    c.threshold = "95%";
    c.actual = "80.0%";
    c.message_zh = "职工入会率不足";
    Rongyu__Check *cs[] = {&c};
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.case_id = "c1";
    ev.event = "ineligible";
    ev.state = RONGYU__CASE_STATE__INELIGIBLE;
    ev.applicant_name = "某工会";
    ev.organising_unit = "萧山区";
    ev.honour = RONGYU__HONOUR__ADVANCED_HOME;
    ev.failed = cs;
    ev.n_failed = 1;
    notify_notice_t n = {.notice_id = "event|intake|7",
                         .kind = "case_ineligible",
                         .campaign_id = "hangzhou-2018",
                         .deadline = "",
                         .at_ms = s_at("2018-11-20T10:00"),
                         .ev = &ev};
    char *title, *text, *json;
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_string_equal(title, "【资格审查未通过】某工会（杭州市先进职工之家）");
    assert_non_null(strstr(text, "- 职工入会率不足（R_MEMBERSHIP_MIN）：要求 95%"
                                 "，实际 80.0%"));
    assert_int_equal(notify_text_json(&n, title, text, 42, "萧山区", &json),
                     0);
    assert_non_null(strstr(json, "\"delivery_id\":42"));
    assert_non_null(strstr(json, "\"code\":\"R_MEMBERSHIP_MIN\""));
    assert_non_null(strstr(json, "\"state\":\"ineligible\""));
    assert_non_null(strstr(json, "\"at\":\"2018-11-20T10:00:00+08:00\""));
    free(title);
    free(text);
    free(json);
}

/* A review timer whose case event is lost still names its case, in the
 * text and in the JSON. */
static void
test_a_notice_without_its_event_names_its_case(void **state)
{
    (void)state;
    notify_notice_t n = {.notice_id = "case|case2|r1|review_overdue",
                         .kind = "review_overdue",
                         .campaign_id = "hangzhou-2018",
                         .deadline = "2018-11-29",
                         .at_ms = s_at("2018-11-30T00:00"),
                         .case_id = "case2"};
    char *title, *text, *json;
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_non_null(strstr(text, "案件 case2"));
    assert_int_equal(notify_text_json(&n, title, text, 7, "萧山区", &json), 0);
    assert_non_null(strstr(json, "\"case_id\":\"case2\""));
    assert_null(strstr(json, "\"revision\""));
    free(title);
    free(text);
    free(json);
}

static void
test_mail_is_encoded_and_carries_the_ids(void **state)
{
    (void)state;
    char *m;
    size_t len;
    assert_int_equal(notify_text_mail("a@x", "b@y", "【提醒】2018年11月30日",
                                      "正文\n", 9, "campaign|c|k",
                                      s_at("2018-11-27T09:00"), &m, &len),
                     0);
    assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(m, "Message-ID: <rongyu-d9@rongyu>\r\n"));
    assert_non_null(strstr(m, "Date: Tue, 27 Nov 2018 09:00:00 +0800\r\n"));
    assert_non_null(strstr(m, "X-Rongyu-Notice: campaign|c|k\r\n"));
    assert_non_null(strstr(m, "\r\n\r\n5q2j5paHCg==\r\n")); /* "正文\n" */
    free(m);
}

/* ------------------------------------------------------------ hmac */

static void
test_hmac_matches_rfc4231_case_2(void **state)
{
    (void)state;
    char hex[RY_HMAC_HEXLEN];
    const char *data = "what do ya want for nothing?";
    assert_int_equal(ry_hmac_sha256_hex("Jefe", 4, data, strlen(data), hex),
                     0);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");
    assert_int_equal(ry_hmac_sha256_verify("Jefe", 4, data, strlen(data),
                                           hex),
                     1);
    assert_int_equal(ry_hmac_sha256_verify("Jeff", 4, data, strlen(data),
                                           hex),
                     0);
    assert_int_equal(ry_hmac_sha256_verify("Jefe", 4, data, strlen(data),
                                           "5bdc"),
                     0);
}

/* ------------------------------------------------------------ endpoints */

static void
test_request_and_feed_endpoints_follow_the_peer_endpoint(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(ry_endpoint_offset("tcp://127.0.0.1:7704", 1, out,
                                        sizeof out),
                     0);
    assert_string_equal(out, "tcp://127.0.0.1:7705");
    assert_int_equal(ry_endpoint_offset("tcp://[::1]:7704", 2, out,
                                        sizeof out),
                     0);
    assert_string_equal(out, "tcp://[::1]:7706");
    assert_int_equal(ry_endpoint_offset("tcp://127.0.0.1:*", 1, out,
                                        sizeof out),
                     0);
    assert_string_equal(out, "tcp://127.0.0.1:*");
    assert_int_equal(ry_endpoint_offset("tcp://h:65535", 1, out, sizeof out),
                     RY_EINVAL);
    assert_int_equal(ry_endpoint_offset("ipc:///tmp/x", 1, out, sizeof out),
                     RY_EINVAL);
    assert_int_equal(ry_endpoint_offset("tcp://h:12x", 1, out, sizeof out),
                     RY_EINVAL);
    assert_int_equal(ry_endpoint_offset("tcp://127.0.0.1:7704", 1, out, 8),
                     RY_EINVAL);
}

/* ------------------------------------------------------------ subs */

static void
test_subscribers_parse_and_match(void **state)
{
    (void)state;
    const char *doc =
        "{\"subscribers\": [{\"org\": \"萧山区\", \"role\": \"unit\", "
        "\"pub\": true, \"webhook\": {\"url\": \"http://h/x\", \"secret\": "
        "\"s\"}, \"email\": \"u@x.cn\"}, {\"org\": \"city\", \"role\": "
        "\"city\"}]}";
    notify_sub_t *s;
    size_t n;
    char err[256];
    assert_int_equal(notify_subs_parse(doc, strlen(doc), &s, &n, err,
                                       sizeof err),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(s[0].url, "http://h/x");
    assert_true(s[0].pub);
    assert_true(notify_sub_matches(&s[0], "萧山区"));
    assert_true(notify_sub_matches(&s[0], "@unit"));
    assert_true(notify_sub_matches(&s[0], "@all"));
    assert_false(notify_sub_matches(&s[0], "@city"));
    assert_true(notify_sub_matches(&s[1], "@city"));
    assert_false(notify_sub_matches(&s[1], "萧山区"));
    free(s);
}

static void
test_subscribers_refuse_bad_documents(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "[]",
        "{\"subscribers\": [{\"role\": \"unit\"}]}",
        "{\"subscribers\": [{\"org\": \"a\", \"role\": \"boss\"}]}",
        "{\"subscribers\": [{\"org\": \"a\", \"colour\": 1}]}",
        "{\"subscribers\": [{\"org\": \"a\", \"webhook\": {\"url\": "
        "\"http://x\"}}]}",
        "{\"subscribers\": [{\"org\": \"a\", \"webhook\": {\"url\": "
        "\"ftp://x\", \"secret\": \"s\"}}]}",
        "{\"subscribers\": [{\"org\": \"a\", \"email\": \"no-at-sign\"}]}",
        "{\"subscribers\": [], \"extra\": 1}",
        /* the topic "a|b|" would reach the subscribers of "a|" */
        "{\"subscribers\": [{\"org\": \"a|b\", \"pub\": true}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        notify_sub_t *s = NULL;
        size_t n = 0;
        char err[256] = "";
        assert_true(notify_subs_parse(bad[i], strlen(bad[i]), &s, &n, err,
                                      sizeof err) < 0);
        assert_null(s);
        assert_true(err[0] != '\0');
    }
}

/* ------------------------------------------------------------ plan */

static void
test_campaign_reminders_are_three_working_days_before(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    bool changed;
    assert_int_equal(notify_plan_campaign(txn, &f->plan, f->camp,
                                          s_at("2018-10-29T10:00"), &changed),
                     0);
    assert_true(changed);
    /* 30 Nov 2018 is a Friday: 29, 28, 27. */
    s_assert_timer(txn, "campaign|hangzhou-2018|submission_remind",
                   "pending", "2018-11-27T09:00");
    s_assert_timer(txn, "campaign|hangzhou-2018|submission_due", "pending",
                   "2018-12-01T00:00");
    /* 31 Dec 2018 is a holiday and Sat 29 Dec a make-up workday: 29, 28,
     * 27. */
    s_assert_timer(txn, "campaign|hangzhou-2018|summary_remind", "pending",
                   "2018-12-27T09:00");
    /* Planning again changes nothing. */
    assert_int_equal(notify_plan_campaign(txn, &f->plan, f->camp,
                                          s_at("2018-10-29T11:00"), &changed),
                     0);
    assert_false(changed);
    ry_txn_abort(&txn);
}

/* Applies extension (unit, until, seq) as intake sends it. */
static int
s_extend(ry_txn_t *txn, fx_t *f, const ry_campaigns_t *camps, const char *unit,
         const char *until, uint64_t seq, const char *now)
{
    Rongyu__DeadlineExtension x = RONGYU__DEADLINE_EXTENSION__INIT;
    x.campaign_id = (char *)"hangzhou-2018";
    x.organising_unit = (char *)unit;
    x.until = (char *)until;
    x.opinion = (char *)"系统故障，准予延期";
    x.actor = (char *)"city";
    x.seq = seq;
    size_t len;
    uint8_t *buf = ry_pb_pack(&x.base, &len);
    int rc = notify_extensions_apply(txn, &f->plan, camps, buf, len, s_at(now));
    free(buf);
    return rc;
}

/* The city extends 萧山区's summary deadline: the unit's own reminder 3
 * working days before its day and its closing notice at the end of it,
 * moved by a newer extension, none once it is back to 31 December; the
 * campaign's summary notices leave out the units extended beyond them;
 * an older extension arriving late, or bytes that are none, change
 * nothing. */
/* The units notify_extensions_except leaves out, each after a '!', in
 * 'out'. */
static int
s_except(ry_txn_t *txn, const char *campaign, const char *deadline, char *out,
         size_t cap)
{
    char **units;
    size_t n;
    int rc = notify_extensions_except(txn, campaign, deadline, &units, &n);
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        w += (size_t)snprintf(out + w, cap - w, "!%s", units[i]);
    notify_extensions_free(units, n);
    return rc;
}

static void
test_an_extension_gives_the_unit_its_own_reminders(void **state)
{
    fx_t *f = *state;
    ry_campaigns_t *camps;
    assert_int_equal(ry_campaigns_new(&camps), 0);
    ry_campaign_t *c = NULL;
    char err[256], ex[256];
    assert_int_equal(ry_campaign_load_default(&c, err, sizeof err), 0);
    assert_int_equal(ry_campaigns_add(camps, &c), 0);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    const char *p8 = "campaign|hangzhou-2018|unit|萧山区|2019-01-08|",
               *p10 = "campaign|hangzhou-2018|unit|萧山区|2019-01-10|";
    char id[200];
    assert_int_equal(
        s_extend(txn, f, camps, "萧山区", "2019-01-08", 1, "2018-11-27T10:00"),
        0);
    /* Tue 01-08: Thu 01-03 is the 3rd working day before it. */
    snprintf(id, sizeof id, "%ssummary_remind", p8);
    s_assert_timer(txn, id, "pending", "2019-01-03T09:00");
    snprintf(id, sizeof id, "%ssummary_due", p8);
    s_assert_timer(txn, id, "pending", "2019-01-09T00:00");
    /* A nomination's posting must start by Wed 01-02 (01-02, 03, 04, 07,
     * 08): told 3 working days before, on Thu 12-27. */
    snprintf(id, sizeof id, "%snomination_posting_last_start_remind", p8);
    s_assert_timer(txn, id, "pending", "2018-12-27T09:00");
    assert_int_equal(
        s_except(txn, "hangzhou-2018", "2018-12-31", ex, sizeof ex), 0);
    assert_string_equal(ex, "!萧山区");

    /* A newer one moves them; the older arriving again changes nothing. */
    assert_int_equal(
        s_extend(txn, f, camps, "萧山区", "2019-01-10", 2, "2018-11-28T10:00"),
        0);
    assert_int_equal(
        s_extend(txn, f, camps, "萧山区", "2019-01-08", 1, "2018-11-28T10:00"),
        0);
    snprintf(id, sizeof id, "%ssummary_remind", p8);
    s_assert_timer(txn, id, "cancelled", NULL);
    snprintf(id, sizeof id, "%ssummary_due", p8);
    s_assert_timer(txn, id, "cancelled", NULL);
    snprintf(id, sizeof id, "%ssummary_remind", p10);
    s_assert_timer(txn, id, "pending", "2019-01-07T09:00");
    Rongyu__NotifyTimer *t = s_timer(txn, id);
    assert_int_equal(t->n_targets, 1);
    assert_string_equal(t->targets[0], "萧山区");
    assert_string_equal(t->deadline, "2019-01-10");
    assert_string_equal(t->kind, "summary_remind");
    ry_pb_free(&t);
    snprintf(id, sizeof id, "%ssummary_due", p10);
    s_assert_timer(txn, id, "pending", "2019-01-11T00:00");
    /* Fri 01-04 the last start; 3 working days before: Sat 12-29, a
     * make-up working day. */
    snprintf(id, sizeof id, "%snomination_posting_last_start_remind", p10);
    s_assert_timer(txn, id, "pending", "2018-12-29T09:00");
    t = s_timer(txn, id);
    assert_string_equal(t->deadline, "2019-01-04");
    assert_string_equal(t->submit_by, "2019-01-10");
    assert_int_equal(t->posting_workdays, 5);
    assert_string_equal(t->targets[0], "萧山区");
    ry_pb_free(&t);
    snprintf(id, sizeof id, "%snomination_posting_last_start_remind", p8);
    s_assert_timer(txn, id, "cancelled", NULL);

    /* Another unit; the campaign's notices leave out both, not one
     * extended to a day not after theirs. */
    assert_int_equal(
        s_extend(txn, f, camps, "余杭区", "2019-01-04", 1, "2018-11-28T10:00"),
        0);
    assert_int_equal(
        s_except(txn, "hangzhou-2018", "2018-12-31", ex, sizeof ex), 0);
    assert_non_null(strstr(ex, "!萧山区"));
    assert_non_null(strstr(ex, "!余杭区"));
    assert_int_equal(
        s_except(txn, "hangzhou-2018", "2019-01-04", ex, sizeof ex), 0);
    assert_string_equal(ex, "!萧山区");
    assert_int_equal(
        s_except(txn, "hangzhou-2026", "2026-12-31", ex, sizeof ex), 0);
    assert_string_equal(ex, "");

    /* Back to 31 December: no reminders of its own, the campaign's
     * reach it again. */
    assert_int_equal(
        s_extend(txn, f, camps, "萧山区", "2018-12-31", 3, "2018-11-29T10:00"),
        0);
    snprintf(id, sizeof id, "%ssummary_remind", p10);
    s_assert_timer(txn, id, "cancelled", NULL);
    snprintf(id, sizeof id, "%ssummary_due", p10);
    s_assert_timer(txn, id, "cancelled", NULL);
    assert_int_equal(
        s_except(txn, "hangzhou-2018", "2018-12-31", ex, sizeof ex), 0);
    assert_string_equal(ex, "!余杭区");

    /* Not an extension: dead-lettered. */
    const uint8_t junk[] = {0x0a, 0xff, 0xff};
    assert_int_equal(notify_extensions_apply(txn, &f->plan, camps, junk,
                                             sizeof junk,
                                             s_at("2018-11-29T10:00")),
                     RY_EMALFORMED);
    assert_int_equal(
        s_extend(txn, f, camps, "萧山区", "2019-02-30", 4, "2018-11-29T10:00"),
        RY_EMALFORMED);
    ry_txn_abort(&txn);
    ry_campaigns_destroy(&camps);
}

static void
test_reminder_already_past_is_skipped_not_fired_late(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(notify_plan_campaign(txn, &f->plan, f->camp,
                                          s_at("2018-11-28T10:00"), NULL),
                     0);
    s_assert_timer(txn, "campaign|hangzhou-2018|submission_remind",
                   "skipped", NULL);
    s_assert_reason(txn, "campaign|hangzhou-2018|submission_remind",
                    "排定前已到期。fell due before it could be scheduled");
    s_assert_timer(txn, "campaign|hangzhou-2018|submission_due", "pending",
                   NULL);
    ry_txn_abort(&txn);
}

static Rongyu__CaseEvent
s_event(const char *event, int state, const char *submitted)
{
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.case_id = "case1";
    ev.revision = 1;
    ev.event = (char *)event;
    ev.state = state;
    ev.applicant_org = "org1";
    ev.organising_unit = "萧山区";
    ev.campaign_id = "hangzhou-2018";
    ev.submitted_at_ms = s_at(submitted);
    ev.posting_end = "2018-11-07";
    return ev;
}

/* Stores ev in the events table as the channel's event 'seq' from intake
 * and plans its case's timers, as the service does. */
static int
s_plan_case(ry_txn_t *txn, fx_t *f, const ry_campaign_t *c,
            const Rongyu__CaseEvent *ev, uint64_t seq, int64_t now)
{
    uint8_t key[NOTIFY_EVENT_KEY_MAX];
    size_t klen = notify_events_key(key, "intake", seq);
    size_t len;
    uint8_t *buf = ry_pb_pack(&ev->base, &len);
    int rc = notify_events_put(txn, key, klen, buf, len);
    free(buf);
    return rc ? rc : notify_plan_case(txn, &f->plan, c, ev, key, klen, now);
}

static void
test_case_review_due_one_month_after_submission(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2018-10-29T10:00");
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &ev, 2, s_at("2018-10-29T10:00")), 0);
    /* Due Thu 2018-11-29; reminder 3 working days before: Mon 26th. */
    s_assert_timer(txn, "case|case1|r1|review_remind", "pending",
                   "2018-11-26T09:00");
    s_assert_timer(txn, "case|case1|r1|review_overdue", "pending",
                   "2018-11-30T00:00");
    /* The posting is over by submission: nothing is planned for it. */
    assert_null(s_timer(txn, "case|case1|posting_end|2018-11-07"));
    /* The review decides it: everything pending is cancelled. */
    Rongyu__CaseEvent done =
        s_event("returned", RONGYU__CASE_STATE__RETURNED, "2018-10-29T10:00");
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &done, 3, s_at("2018-11-01T10:00")), 0);
    s_assert_timer(txn, "case|case1|r1|review_remind", "cancelled", NULL);
    s_assert_timer(txn, "case|case1|r1|review_overdue", "cancelled", NULL);
    s_assert_reason(txn, "case|case1|r1|review_overdue",
                    "案件已为 returned。the case is now returned");
    int64_t due;
    assert_int_equal(notify_timers_next_due(txn, &due), 0);
    assert_int_equal(due, INT64_MAX);
    ry_txn_abort(&txn);
}

static void
test_unknown_calendar_year_is_reported_not_guessed(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    /* Review due 2027-01-15: the calendar has no 2027. */
    Rongyu__CaseEvent ev =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2026-12-15T10:00");
    ev.posting_end = "";
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &ev, 4, s_at("2026-12-15T10:00")), 0);
    Rongyu__NotifyTimer *t = s_timer(txn, "case|case1|r1|review_remind");
    assert_non_null(t);
    assert_string_equal(t->state, "failed");
    assert_non_null(strstr(t->reason, "2027-01-15"));
    assert_non_null(strstr(t->reason, "calendar"));
    assert_non_null(strstr(t->reason, "no data for 2027"));
    ry_pb_free(&t);
    /* The overdue alert needs no calendar. */
    s_assert_timer(txn, "case|case1|r1|review_overdue", "pending",
                   "2027-01-16T00:00");
    /* Another case, its reminder failed the same way, then reviewed: the
     * failed reminder is cancelled with the rest, and is not planned
     * again below once 2027 is known. */
    Rongyu__CaseEvent ev2 =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2026-12-15T11:00");
    ev2.case_id = "case2";
    ev2.posting_end = "";
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &ev2, 5, s_at("2026-12-15T11:00")), 0);
    s_assert_timer(txn, "case|case2|r1|review_remind", "failed", NULL);
    ev2.event = "approved";
    ev2.state = RONGYU__CASE_STATE__APPROVED;
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &ev2, 6, s_at("2026-12-16T09:00")), 0);
    s_assert_timer(txn, "case|case2|r1|review_remind", "cancelled", NULL);
    /* Still no 2027: planned again, it stays failed, unchanged. */
    ry_campaigns_t *camps;
    assert_int_equal(ry_campaigns_new(&camps), 0);
    ry_campaign_t *c = NULL;
    char err[256];
    assert_int_equal(ry_campaign_load_default(&c, err, sizeof err), 0);
    assert_int_equal(ry_campaigns_add(camps, &c), 0);
    unsigned n = 9;
    assert_int_equal(
        notify_plan_failed(txn, &f->plan, camps, s_at("2026-12-16T10:00"), &n),
        0);
    assert_int_equal(n, 0);
    s_assert_timer(txn, "case|case1|r1|review_remind", "failed", NULL);
    /* A 2027 file in the calendar, as read at a restart: the reminder is
     * planned, 3 working days before Fri 2027-01-15 (12, 13, 14). */
    char csv[300];
    snprintf(csv, sizeof csv, "%s/2027.csv", f->dir);
    assert_int_equal(
        ut_write_file(csv, "date,kind,name\n2027-01-01,off,元旦\n"), 0);
    assert_int_equal(ry_calendar_load_file(f->cal, csv, err, sizeof err), 0);
    assert_int_equal(
        notify_plan_failed(txn, &f->plan, camps, s_at("2026-12-16T10:00"), &n),
        0);
    assert_int_equal(n, 1);
    s_assert_timer(txn, "case|case1|r1|review_remind", "pending",
                   "2027-01-12T09:00");
    s_assert_timer(txn, "case|case2|r1|review_remind", "cancelled", NULL);
    /* What it planned with is kept: the next start, with the same years
     * and campaigns, does not read every timer again. */
    ry_val_t basis;
    assert_int_equal(ry_txn_get(txn, "meta", "failed_plan_basis", 17, &basis),
                     0);
    char held[4096];
    assert_true(basis.len < sizeof held);
    memcpy(held, basis.data, basis.len);
    held[basis.len] = '\0';
    assert_non_null(strstr(held, "2026,2027,|hangzhou-2018,"));
    assert_int_equal(
        notify_plan_failed(txn, &f->plan, camps, s_at("2026-12-16T10:00"), &n),
        0);
    assert_int_equal(n, 0);
    ry_campaigns_destroy(&camps);
    ry_txn_abort(&txn);
}

static void
test_unknown_campaign_fails_the_review_timers(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2018-10-29T10:00");
    assert_int_equal(
        s_plan_case(txn, f, NULL, &ev, 5, s_at("2018-10-29T10:00")), 0);
    s_assert_timer(txn, "case|case1|r1|review_remind", "failed", NULL);
    s_assert_timer(txn, "case|case1|r1|review_overdue", "failed", NULL);
    ry_txn_abort(&txn);
}

/* ------------------------------------------------------------ firing */

typedef struct {
    int calls;
    char last[128];
    /* The last timer's case event as fn saw it. */
    bool had_event;
    char who[64];
    size_t n_failed;
} s_fired_t;

static int
s_on_fire(void *arg, ry_txn_t *txn, const Rongyu__NotifyTimer *t,
          int64_t now)
{
    (void)txn;
    (void)now;
    s_fired_t *f = arg;
    f->calls++;
    snprintf(f->last, sizeof f->last, "%s", t->timer_id);
    f->had_event = t->event != NULL;
    snprintf(f->who, sizeof f->who, "%s",
             t->event ? t->event->applicant_name : "");
    f->n_failed = t->event ? t->event->n_failed : 0;
    return 0;
}

/* A case's review timers name the event they were planned from instead of
 * holding a copy: the stored timer is the smaller for it, and the event
 * comes back, without its failed checks, when the timer fires and when
 * it is listed. */
static void
test_review_timer_names_its_event(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__Check c = RONGYU__CHECK__INIT;
    c.code = "R_MEMBERSHIP_MIN";
    Rongyu__Check *cs[] = {&c};
    Rongyu__CaseEvent ev = s_event("ineligible", RONGYU__CASE_STATE__INELIGIBLE,
                                   "2018-10-29T10:00");
    ev.applicant_name = "杭州恒毅纺织有限公司工会";
    ev.failed = cs;
    ev.n_failed = 1;
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &ev, 7, s_at("2018-10-29T10:00")), 0);
    const char *id = "case|case1|r1|review_remind";
    Rongyu__NotifyTimer *t = s_timer(txn, id);
    assert_non_null(t);
    assert_null(t->event);
    uint8_t key[NOTIFY_EVENT_KEY_MAX];
    size_t klen = notify_events_key(key, "intake", 7);
    assert_int_equal(t->event_key.len, klen);
    assert_memory_equal(t->event_key.data, key, klen);
    /* Smaller than the same timer holding the event. */
    Rongyu__NotifyTimer held = *t;
    held.event = &ev;
    held.event_key.len = 0;
    size_t with = protobuf_c_message_get_packed_size(&held.base);
    ry_val_t row;
    assert_int_equal(ry_txn_get(txn, "timer_ix", id, strlen(id), &row), 0);
    assert_true(row.len + 100 < with);
    int64_t due = t->due_ms;
    ry_pb_free(&t);

    /* Listed, it shows the event itself. */
    Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
    assert_int_equal(notify_timers_list(txn, "pending", "case|", 0, 10, &r), 0);
    assert_int_equal(r.n_timers, 2);
    for (size_t i = 0; i < r.n_timers; i++) {
        assert_non_null(r.timers[i]->event);
        assert_string_equal(r.timers[i]->event->case_id, "case1");
        assert_int_equal(r.timers[i]->event->n_failed, 0);
        assert_int_equal(r.timers[i]->event_key.len, 0);
    }
    notify_deliver_reply_clear(&r);

    /* Fired, fn has the event; the fired row still names it. */
    s_fired_t fired = {0};
    unsigned n;
    assert_int_equal(
        notify_timers_fire_due(txn, due, 64, s_on_fire, &fired, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fired.last, id);
    assert_true(fired.had_event);
    assert_string_equal(fired.who, "杭州恒毅纺织有限公司工会");
    assert_int_equal(fired.n_failed, 0);
    t = s_timer(txn, id);
    assert_non_null(t);
    assert_string_equal(t->state, "fired");
    assert_null(t->event);
    assert_int_equal(t->event_key.len, klen);
    ry_pb_free(&t);
    ry_txn_abort(&txn);
}

/* A timer stored holding its event (as earlier versions wrote review
 * timers) fires with that event; one whose event is not stored, does not
 * decode or is named by a key no event can have still fires, without it,
 * and is listed without it. */
static void
test_timer_fires_with_a_held_event_or_without_a_lost_one(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2018-10-29T10:00");
    ev.applicant_name = "held";
    Rongyu__NotifyTimer a = RONGYU__NOTIFY_TIMER__INIT, b = a;
    a.timer_id = "case|case1|r1|review_remind";
    a.kind = "review_remind";
    a.case_id = "case1";
    a.event = &ev;
    a.due_ms = s_at("2018-11-26T09:00");
    uint8_t key[NOTIFY_EVENT_KEY_MAX];
    b.timer_id = "case|case2|r1|review_remind";
    b.kind = "review_remind";
    b.case_id = "case2";
    b.event_key.data = key;
    b.event_key.len = notify_events_key(key, "intake", 99);
    b.due_ms = s_at("2018-11-27T09:00");
    int64_t now = s_at("2018-11-01");
    assert_int_equal(notify_timers_schedule(txn, &a, now, NULL), 0);
    assert_int_equal(notify_timers_schedule(txn, &b, now, NULL), 0);
    s_fired_t fired = {0};
    unsigned n;
    assert_int_equal(
        notify_timers_fire_due(txn, a.due_ms, 64, s_on_fire, &fired, &n), 0);
    assert_int_equal(n, 1);
    assert_true(fired.had_event);
    assert_string_equal(fired.who, "held");
    assert_int_equal(
        notify_timers_fire_due(txn, b.due_ms, 64, s_on_fire, &fired, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fired.last, "case|case2|r1|review_remind");
    assert_false(fired.had_event);
    s_assert_timer(txn, "case|case2|r1|review_remind", "fired", NULL);

    Rongyu__NotifyTimer c = b;
    uint8_t ckey[NOTIFY_EVENT_KEY_MAX];
    c.timer_id = "case|case3|r1|review_remind";
    c.case_id = "case3";
    c.event_key.data = ckey;
    c.event_key.len = notify_events_key(ckey, "intake", 100);
    c.due_ms = s_at("2018-11-28T09:00");
    const uint8_t junk[] = {0x0a, 0x7f, 0x01};
    assert_int_equal(
        notify_events_put(txn, ckey, c.event_key.len, junk, sizeof junk), 0);
    assert_int_equal(notify_timers_schedule(txn, &c, now, NULL), 0);
    Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
    assert_int_equal(
        notify_timers_list(txn, "pending", "case|case3", 0, 10, &r), 0);
    assert_int_equal(r.n_timers, 1);
    assert_null(r.timers[0]->event);
    assert_int_equal(r.timers[0]->event_key.len, 0);
    notify_deliver_reply_clear(&r);
    fired.had_event = true;
    assert_int_equal(
        notify_timers_fire_due(txn, c.due_ms, 64, s_on_fire, &fired, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fired.last, "case|case3|r1|review_remind");
    assert_false(fired.had_event);

    /* A key longer than any the events table can hold. */
    Rongyu__NotifyTimer e = c;
    uint8_t long_key[600];
    memset(long_key, 'k', sizeof long_key);
    e.timer_id = "case|case4|r1|review_remind";
    e.case_id = "case4";
    e.event_key.data = long_key;
    e.event_key.len = sizeof long_key;
    e.due_ms = s_at("2018-11-29T09:00");
    assert_int_equal(notify_timers_schedule(txn, &e, now, NULL), 0);
    fired.had_event = true;
    assert_int_equal(
        notify_timers_fire_due(txn, e.due_ms, 64, s_on_fire, &fired, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fired.last, "case|case4|r1|review_remind");
    assert_false(fired.had_event);
    ry_txn_abort(&txn);
}

/* A timer whose event the store fails to read (LMDB failing a read) is
 * neither fired nor listed: firing and listing give the store's error,
 * for the round to be undone; once the event reads again, the timer
 * fires, once, with it. */
static void
test_an_event_that_does_not_read_fails_the_firing_and_the_listing(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2018-10-29T10:00");
    ev.applicant_name = "杭州恒毅纺织有限公司工会";
    assert_int_equal(
        s_plan_case(txn, f, f->camp, &ev, 7, s_at("2018-10-29T10:00")), 0);
    const char *id = "case|case1|r1|review_remind";
    Rongyu__NotifyTimer *t = s_timer(txn, id);
    assert_non_null(t);
    int64_t due = t->due_ms;
    ry_pb_free(&t);
    assert_int_equal(ry_txn_commit(&txn), 0);

    ry_store_fail_reads(f->store, NOTIFY_EVENT_TABLES, NULL, 0);
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    s_fired_t fired = {0};
    unsigned n = 0;
    assert_int_equal(
        notify_timers_fire_due(txn, due, 64, s_on_fire, &fired, &n), RY_EIO);
    assert_int_equal(fired.calls, 0);
    ry_txn_abort(&txn);
    assert_int_equal(ry_txn_begin(f->store, NULL, false, &txn), 0);
    Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
    assert_int_equal(notify_timers_list(txn, "pending", "case|", 0, 10, &r),
                     RY_EIO);
    notify_deliver_reply_clear(&r);
    s_assert_timer(txn, id, "pending", NULL);
    ry_txn_abort(&txn);

    ry_store_fail_reads(f->store, NULL, NULL, 0);
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(
        notify_timers_fire_due(txn, due, 64, s_on_fire, &fired, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(fired.calls, 1);
    assert_string_equal(fired.last, id);
    assert_true(fired.had_event);
    assert_string_equal(fired.who, "杭州恒毅纺织有限公司工会");
    s_assert_timer(txn, id, "fired", NULL);
    ry_txn_abort(&txn);
}

static void
test_timer_fires_once_in_due_order(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__NotifyTimer a = RONGYU__NOTIFY_TIMER__INIT, b = a;
    a.timer_id = "t|a";
    a.kind = "x";
    a.due_ms = s_at("2018-11-27T09:00");
    b.timer_id = "t|b";
    b.kind = "x";
    b.due_ms = s_at("2018-11-26T09:00");
    int64_t now = s_at("2018-11-01");
    assert_int_equal(notify_timers_schedule(txn, &a, now, NULL), 0);
    assert_int_equal(notify_timers_schedule(txn, &b, now, NULL), 0);
    int64_t due;
    assert_int_equal(notify_timers_next_due(txn, &due), 0);
    assert_int_equal(due, b.due_ms);

    s_fired_t fired = {0};
    unsigned n;
    /* One millisecond early: nothing. */
    assert_int_equal(notify_timers_fire_due(txn, b.due_ms - 1, 64, s_on_fire,
                                            &fired, &n),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(notify_timers_fire_due(txn, b.due_ms, 64, s_on_fire,
                                            &fired, &n),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(fired.last, "t|b");
    /* Later both are due; b has fired already. */
    assert_int_equal(notify_timers_fire_due(txn, a.due_ms + 86400000, 64,
                                            s_on_fire, &fired, &n),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(fired.last, "t|a");
    assert_int_equal(fired.calls, 2);
    /* Scheduling a fired timer again does nothing. */
    bool changed = true;
    assert_int_equal(notify_timers_schedule(txn, &a, now, &changed), 0);
    assert_false(changed);
    assert_int_equal(notify_timers_fire_due(txn, INT64_MAX / 2, 64,
                                            s_on_fire, &fired, &n),
                     0);
    assert_int_equal(n, 0);
    s_assert_timer(txn, "t|a", "fired", NULL);
    ry_txn_abort(&txn);
}

/* Pages of "limit" timers, from after_id 0, each next_after on, until it
 * is 0: the ids, in order, to ids (room for cap), and how many pages. */
static size_t
s_timer_pages(ry_txn_t *txn, const char *state, uint32_t limit, char ids[][32],
              size_t cap, size_t *pages)
{
    size_t n = 0;
    uint64_t after = 0;
    *pages = 0;
    do {
        Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
        assert_int_equal(notify_timers_list(txn, state, "", after, limit, &r),
                         0);
        assert_true(r.n_timers <= limit);
        for (size_t i = 0; i < r.n_timers; i++) {
            assert_true(n < cap);
            snprintf(ids[n++], 32, "%s", r.timers[i]->timer_id);
        }
        /* A page that says more is a full one, and moves on. */
        if (r.next_after) {
            assert_int_equal(r.n_timers, limit);
            assert_true(r.next_after > after);
        }
        after = r.next_after;
        (*pages)++;
        notify_deliver_reply_clear(&r);
        assert_true(*pages < 100);
    } while (after);
    return n;
}

/* Timers page as deliveries do: after_id 0, 5, 20 are different pages,
 * next_after is set while timers remain and 0 on the last page, with or
 * without a state filter; every timer comes once, in id order. */
static void
test_timers_page_until_next_after_is_zero(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    int64_t now = s_at("2018-11-01");
    char id[32];
    for (int i = 0; i < 23; i++) {
        Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
        snprintf(id, sizeof id, "t|%02d", i);
        t.timer_id = id;
        t.kind = "x";
        t.due_ms = s_at("2018-11-26T09:00") + i;
        assert_int_equal(notify_timers_schedule(txn, &t, now, NULL), 0);
    }
    /* Every third one is no longer pending. */
    for (int i = 0; i < 23; i += 3) {
        snprintf(id, sizeof id, "t|%02d", i);
        assert_int_equal(notify_timers_cancel(txn, id, NULL, "test", NULL), 0);
    }

    Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
    const uint64_t afters[] = {0, 5, 20};
    const char *const first[] = {"t|00", "t|05", "t|20"};
    const uint64_t next[] = {5, 10, 0};
    const size_t count[] = {5, 5, 3};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(notify_timers_list(txn, "", "", afters[k], 5, &r), 0);
        assert_int_equal(r.n_timers, count[k]);
        assert_string_equal(r.timers[0]->timer_id, first[k]);
        assert_int_equal(r.next_after, next[k]);
        notify_deliver_reply_clear(&r);
    }
    /* Past the last one, or the last position there can be: nothing. */
    assert_int_equal(notify_timers_list(txn, "", "", 23, 5, &r), 0);
    assert_int_equal(r.n_timers, 0);
    assert_int_equal(r.next_after, 0);
    notify_deliver_reply_clear(&r);
    assert_int_equal(notify_timers_list(txn, "", "", UINT64_MAX, 5, &r), 0);
    assert_int_equal(r.n_timers, 0);
    notify_deliver_reply_clear(&r);

    char ids[40][32];
    size_t pages;
    assert_int_equal(s_timer_pages(txn, "", 5, ids, 40, &pages), 23);
    assert_int_equal(pages, 5);
    for (int i = 0; i < 23; i++) {
        snprintf(id, sizeof id, "t|%02d", i);
        assert_string_equal(ids[i], id);
    }
    /* A full last page says nothing more. */
    assert_int_equal(s_timer_pages(txn, "", 23, ids, 40, &pages), 23);
    assert_int_equal(pages, 1);
    /* The pending ones (15), by pages of 4: each once, none cancelled. */
    assert_int_equal(s_timer_pages(txn, "pending", 4, ids, 40, &pages), 15);
    assert_int_equal(pages, 4);
    for (size_t i = 0; i < 15; i++) {
        int n = atoi(ids[i] + 2);
        assert_true(n % 3 != 0);
        assert_true(i == 0 || strcmp(ids[i - 1], ids[i]) < 0);
    }
    /* A timer that stops being pending between two pages moves no other:
     * the next page starts where the last one ended. */
    assert_int_equal(notify_timers_list(txn, "pending", "", 0, 4, &r), 0);
    assert_int_equal(r.n_timers, 4);
    assert_string_equal(r.timers[3]->timer_id, "t|05");
    uint64_t after = r.next_after;
    notify_deliver_reply_clear(&r);
    assert_int_equal(notify_timers_cancel(txn, "t|01", NULL, "test", NULL), 0);
    assert_int_equal(notify_timers_list(txn, "pending", "", after, 4, &r), 0);
    assert_string_equal(r.timers[0]->timer_id, "t|07");
    notify_deliver_reply_clear(&r);
    /* The page size is the deliveries': 100 when 0 is asked, at most
     * 1000. */
    assert_int_equal(notify_deliver_page_limit(0), 100);
    assert_int_equal(notify_deliver_page_limit(5), 5);
    assert_int_equal(notify_deliver_page_limit(1000), 1000);
    assert_int_equal(notify_deliver_page_limit(5000), 1000);
    assert_int_equal(notify_timers_list(txn, "", "", 0, 0, &r), 0);
    assert_int_equal(r.n_timers, 23);
    assert_int_equal(r.next_after, 0);
    notify_deliver_reply_clear(&r);
    ry_txn_abort(&txn);
}

/* What scheduling, failing, cancelling and reviving do to a stored timer,
 * each read back whole: the changes they report follow its state, due
 * time and reason as stored (read without decoding the timer), and a row
 * that is not a timer is an error, not a timer to overwrite. */
static void
test_timer_states_follow_the_stored_row(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.case_id = "0001";
    ev.event = "submitted";
    char *targets[] = {"org-1", "@unit"};
    Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
    t.timer_id = "case|0001|r1|review_remind";
    t.kind = "review_remind";
    t.case_id = "0001";
    t.targets = targets;
    t.n_targets = 2;
    t.event = &ev;
    t.due_ms = s_at("2018-11-27T09:00");
    int64_t now = s_at("2018-11-01"), due;
    bool changed;

    /* Failed, then failed again for the same reason: no change; for
     * another: a change. */
    assert_int_equal(notify_timers_fail(txn, &t, "no calendar", &changed), 0);
    assert_true(changed);
    assert_int_equal(notify_timers_fail(txn, &t, "no calendar", &changed), 0);
    assert_false(changed);
    assert_int_equal(notify_timers_fail(txn, &t, "no calendar!", &changed), 0);
    assert_true(changed);
    Rongyu__NotifyTimer *got = s_timer(txn, t.timer_id);
    assert_non_null(got);
    assert_string_equal(got->state, "failed");
    assert_string_equal(got->reason, "no calendar!");
    assert_string_equal(got->event->event, "submitted");
    ry_pb_free(&got);
    assert_int_equal(notify_timers_next_due(txn, &due), 0);
    assert_int_equal(due, INT64_MAX); /* not in the due index */

    /* A failed timer with a future due time is planned again. */
    assert_int_equal(notify_timers_schedule(txn, &t, now, &changed), 0);
    assert_true(changed);
    s_assert_timer(txn, t.timer_id, "pending", "2018-11-27T09:00");
    assert_int_equal(notify_timers_schedule(txn, &t, now, &changed), 0);
    assert_false(changed);
    /* Failing a pending timer takes it out of the due index. */
    assert_int_equal(notify_timers_fail(txn, &t, "gone", &changed), 0);
    assert_true(changed);
    assert_int_equal(notify_timers_next_due(txn, &due), 0);
    assert_int_equal(due, INT64_MAX);
    /* Failed with a due time already past: skipped, once. */
    assert_int_equal(
        notify_timers_schedule(txn, &t, s_at("2018-12-01"), &changed), 0);
    assert_true(changed);
    s_assert_timer(txn, t.timer_id, "skipped", NULL);
    assert_int_equal(
        notify_timers_schedule(txn, &t, s_at("2018-12-01"), &changed), 0);
    assert_false(changed);

    /* Pending, cancelled: scheduling leaves it cancelled, reviving plans
     * it anew, and failing a cancelled timer does nothing. */
    assert_int_equal(notify_timers_schedule(txn, &t, now, &changed), 0);
    assert_true(changed);
    unsigned n;
    assert_int_equal(
        notify_timers_cancel(txn, "case|0001|", NULL, "decided", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(
        notify_timers_cancel(txn, "case|0001|", NULL, "decided", &n), 0);
    assert_int_equal(n, 0); /* only pending timers are cancelled */
    assert_int_equal(notify_timers_schedule(txn, &t, now, &changed), 0);
    assert_false(changed);
    assert_int_equal(notify_timers_fail(txn, &t, "late", &changed), 0);
    assert_false(changed);
    s_assert_timer(txn, t.timer_id, "cancelled", NULL);
    assert_int_equal(notify_timers_revive(txn, &t, now, &changed), 0);
    assert_true(changed);
    s_assert_timer(txn, t.timer_id, "pending", "2018-11-27T09:00");
    assert_int_equal(notify_timers_next_due(txn, &due), 0);
    assert_int_equal(due, t.due_ms);

    /* A row that is not a timer: its state field as a number. */
    static const uint8_t bad[] = {0x20, 0x01};
    assert_int_equal(ry_txn_put(txn, "timer_ix", t.timer_id, strlen(t.timer_id),
                                bad, sizeof bad, 0),
                     0);
    assert_int_equal(notify_timers_schedule(txn, &t, now, &changed), RY_EIO);
    assert_int_equal(notify_timers_fail(txn, &t, "x", &changed), RY_EIO);
    ry_txn_abort(&txn);
}

static void
test_moved_timer_fires_at_its_new_time_only(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__NotifyTimer a = RONGYU__NOTIFY_TIMER__INIT;
    a.timer_id = "t|m";
    a.kind = "x";
    a.due_ms = s_at("2018-11-27T09:00");
    int64_t now = s_at("2018-11-01");
    assert_int_equal(notify_timers_schedule(txn, &a, now, NULL), 0);
    a.due_ms = s_at("2018-11-28T09:00");
    assert_int_equal(notify_timers_schedule(txn, &a, now, NULL), 0);
    s_fired_t fired = {0};
    unsigned n;
    assert_int_equal(notify_timers_fire_due(txn, s_at("2018-11-27T10:00"),
                                            64, s_on_fire, &fired, &n),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(notify_timers_fire_due(txn, s_at("2018-11-28T10:00"),
                                            64, s_on_fire, &fired, &n),
                     0);
    assert_int_equal(n, 1);
    ry_txn_abort(&txn);
}

/* ------------------------------------------------------------ deliveries */

/* Sends one subscription request in its own write transaction, with a
 * platform's key (which acts for the organisation a request names, as a
 * platform backend does for its users); returns the reply (the caller's:
 * ry_pb_free) and commits what it kept. */
static Rongyu__Reply *
s_sub_call(fx_t *f, const notify_subs_t *file, Rongyu__Request *req)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__KeyRecord key = RONGYU__KEY_RECORD__INIT;
    key.org_id = (char *)"platform";
    key.role = (char *)"platform";
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = notify_subscribe_request(txn, req, &key, file, 1000, &buf, &len);
    assert_true(rc == 0 || rc == -1);
    if (rc == 0)
        assert_int_equal(ry_txn_commit(&txn), 0);
    else
        ry_txn_abort(&txn);
    Rongyu__Reply *r = (Rongyu__Reply *)ry_pb_unpack(
        &rongyu__reply__descriptor, buf, len, 0);
    free(buf);
    assert_non_null(r);
    return r;
}

static void
test_subscriptions_by_request_are_entitled_audited_and_delivered(void **state)
{
    fx_t *f = *state;
    notify_subs_t *file;
    char path[300];
    snprintf(path, sizeof path, "%s/none.json", f->dir);
    assert_int_equal(notify_subs_new(path, &file), 0);
    Rongyu__Principal who = RONGYU__PRINCIPAL__INIT;
    who.org_id = (char *)"union-a";
    who.kind = RONGYU__ROLE__ROLE_GRASSROOTS;
    Rongyu__SubscribeRequest sq = RONGYU__SUBSCRIBE_REQUEST__INIT;
    sq.channel = RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK;
    sq.url = (char *)"http://127.0.0.1:9/hook";
    sq.secret = (char *)"0123456789abcdef";
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.principal = &who;
    req.request_id = (char *)"r1";
    req.body_case = RONGYU__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &sq;

    /* Without an idempotency key: refused, nothing kept. */
    Rongyu__Reply *r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    assert_string_equal(r->field_path, "idempotency_key");
    ry_pb_free(&r);
    /* One byte past the shared bound: invalid, by its path. */
    char longkey[RY_IDEM_KEY_MAX + 2];
    memset(longkey, 'k', RY_IDEM_KEY_MAX + 1);
    longkey[RY_IDEM_KEY_MAX + 1] = '\0';
    req.idempotency_key = longkey;
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(r->field_path, "idempotency_key");
    assert_non_null(strstr(r->detail, "201 bytes, at most 200"));
    ry_pb_free(&r);
    /* At the bound: taken (here refused for the union, not for the key). */
    longkey[RY_IDEM_KEY_MAX] = '\0';
    sq.org = (char *)"union-b";
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    ry_pb_free(&r);
    /* Another organisation's: forbidden to a grassroots union. */
    req.idempotency_key = (char *)"k1";
    sq.org = (char *)"union-b";
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    ry_pb_free(&r);
    /* A short secret is invalid, by its path. */
    sq.org = (char *)"";
    sq.secret = (char *)"short";
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(r->field_path, "subscribe.secret");
    ry_pb_free(&r);
    /* A link-local address (cloud metadata) takes no webhook, written in
     * either family. */
    sq.secret = (char *)"0123456789abcdef";
    const char *const ll[] = {"http://169.254.169.254/latest/meta-data/",
                              "https://[fe80::1]:8443/hook"};
    for (size_t i = 0; i < 2; i++) {
        sq.url = (char *)ll[i];
        r = s_sub_call(f, file, &req);
        assert_int_equal(r->code, RONGYU__ERROR_CODE__E_INVALID);
        assert_string_equal(r->field_path, "subscribe.url");
        assert_non_null(strstr(r->detail, "link-local"));
        ry_pb_free(&r);
    }
    sq.url = (char *)"http://127.0.0.1:9/hook";
    /* Its own: made once, a retry gets the first answer. */
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(r->subscriptions->n_subscriptions, 1);
    assert_string_equal(r->subscriptions->subscriptions[0]->id, "s1");
    assert_string_equal(r->subscriptions->subscriptions[0]->secret, "");
    ry_pb_free(&r);
    req.request_id = (char *)"r2";
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(r->request_id, "r2");
    assert_string_equal(r->subscriptions->subscriptions[0]->id, "s1");
    ry_pb_free(&r);
    sq.url = (char *)"http://127.0.0.1:9/other";
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_CONFLICT);
    assert_string_equal(r->field_path, ""); /* the whole request's */
    ry_pb_free(&r);

    /* A notice to union-a is delivered to it. */
    notify_config_t nc = s_deliver_config();
    notify_deliver_t *d;
    assert_int_equal(notify_deliver_new(f->store, 1 << 26, &nc, NULL, NULL, &d),
                     0);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    notify_notice_t n = {.notice_id = "event|intake|1",
                         .kind = "case_eligible",
                         .campaign_id = "c",
                         .deadline = "",
                         .at_ms = 1000};
    const char *to[] = {"union-a"};
    unsigned count;
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &n, to, 1, file, 1000, &count), 0);
    assert_int_equal(count, 1);
    ry_txn_abort(&txn);
    notify_deliver_destroy(&d);

    /* Listed, then cancelled (another org cannot see it), audited. */
    Rongyu__SubscriptionsRequest lq = RONGYU__SUBSCRIPTIONS_REQUEST__INIT;
    Rongyu__Request list = RONGYU__REQUEST__INIT;
    list.principal = &who;
    list.body_case = RONGYU__REQUEST__BODY_SUBSCRIPTIONS;
    list.subscriptions = &lq;
    r = s_sub_call(f, file, &list);
    assert_int_equal(r->subscriptions->n_subscriptions, 1);
    ry_pb_free(&r);
    Rongyu__UnsubscribeRequest uq = RONGYU__UNSUBSCRIBE_REQUEST__INIT;
    uq.id = (char *)"s1";
    Rongyu__Principal other = RONGYU__PRINCIPAL__INIT;
    other.org_id = (char *)"union-b";
    other.role = (char *)"grassroots";
    Rongyu__Request un = RONGYU__REQUEST__INIT;
    un.principal = &other;
    un.idempotency_key = (char *)"u1";
    un.body_case = RONGYU__REQUEST__BODY_UNSUBSCRIBE;
    un.unsubscribe = &uq;
    r = s_sub_call(f, file, &un);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_non_null(strstr(r->detail, "no subscription 's1'"));
    ry_pb_free(&r);
    un.principal = &who;
    r = s_sub_call(f, file, &un);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    ry_pb_free(&r);
    r = s_sub_call(f, file, &list);
    assert_int_equal(r->subscriptions->n_subscriptions, 0);
    ry_pb_free(&r);
    assert_int_equal(ry_txn_begin(f->store, NULL, false, &txn), 0);
    uint64_t audits = 0;
    assert_int_equal(ry_txn_count(txn, "sub_audit", &audits), 0);
    assert_int_equal(audits, 2);
    ry_txn_abort(&txn);
    notify_subs_destroy(&file);
}

/* Subscribes 'org' by request, the platform acting as itself (as for a
 * user of the platform), to a webhook, or to mail when url is NULL. */
static void
s_subscribe_org(fx_t *f, const notify_subs_t *file, const char *org,
                const char *url)
{
    Rongyu__SubscribeRequest sq = RONGYU__SUBSCRIBE_REQUEST__INIT;
    sq.org = (char *)org;
    sq.channel = url ? RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK
                     : RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_EMAIL;
    sq.url = (char *)(url ? url : "");
    sq.secret = (char *)(url ? "0123456789abcdef" : "");
    sq.email = (char *)(url ? "" : "someone@example.org");
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.idempotency_key = (char *)org;
    req.body_case = RONGYU__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &sq;
    Rongyu__Reply *r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    ry_pb_free(&r);
}

/* The stored subscriptions notify_subscribe_load gives for 'targets',
 * their organisations joined by ','. */
static void
s_loaded(fx_t *f, const char *const *targets, size_t n, char *out, size_t cap)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, false, &txn), 0);
    notify_sub_t *subs;
    size_t nsubs;
    assert_int_equal(
        notify_subscribe_load(txn, NULL, targets, n, &subs, &nsubs), 0);
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nsubs; i++)
        w += (size_t)snprintf(out + w, cap - w, "%s%s", w ? "," : "",
                              subs[i].org);
    free(subs);
    ry_txn_abort(&txn);
}

static void s_subscribe_org(fx_t *f, const notify_subs_t *file, const char *org,
                            const char *url);

static void
test_subscriptions_found_by_organisation(void **state)
{
    fx_t *f = *state;
    notify_subs_t *file;
    char path[300];
    snprintf(path, sizeof path, "%s/none.json", f->dir);
    assert_int_equal(notify_subs_new(path, &file), 0);
    s_subscribe_org(f, file, "union-a", "http://127.0.0.1:9/a");
    s_subscribe_org(f, file, "union-b", "http://127.0.0.1:9/b");
    s_subscribe_org(f, file, "萧山区", "http://127.0.0.1:9/u");
    s_subscribe_org(f, file, "union-ab", NULL);
    char got[400];
    /* A case's notice reads its organisations' subscriptions alone, each
     * once; a notice to a role reads every one. */
    const char *one[] = {"union-a"};
    s_loaded(f, one, 1, got, sizeof got);
    assert_string_equal(got, "union-a");
    const char *both[] = {"union-a", "萧山区", "union-a", ""};
    s_loaded(f, both, 4, got, sizeof got);
    assert_string_equal(got, "union-a,萧山区");
    const char *role[] = {"union-a", "@city"};
    s_loaded(f, role, 2, got, sizeof got);
    assert_string_equal(got, "union-a,union-b,萧山区,union-ab");
    const char *nobody[] = {"union"};
    s_loaded(f, nobody, 1, got, sizeof got);
    assert_string_equal(got, "");

    /* Cancelled: gone from the index too. */
    Rongyu__UnsubscribeRequest uq = RONGYU__UNSUBSCRIBE_REQUEST__INIT;
    uq.id = (char *)"s2";
    Rongyu__Request un = RONGYU__REQUEST__INIT;
    un.idempotency_key = (char *)"u2";
    un.body_case = RONGYU__REQUEST__BODY_UNSUBSCRIBE;
    un.unsubscribe = &uq;
    Rongyu__Reply *r = s_sub_call(f, file, &un);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    ry_pb_free(&r);
    /* An id written another way names none. */
    uq.id = (char *)"s03";
    un.idempotency_key = (char *)"u3";
    r = s_sub_call(f, file, &un);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    ry_pb_free(&r);
    const char *b[] = {"union-b"};
    s_loaded(f, b, 1, got, sizeof got);
    assert_string_equal(got, "");
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    uint64_t rows;
    assert_int_equal(ry_txn_count(txn, "sub_by_org", &rows), 0);
    assert_int_equal(rows, 3);
    /* A store written before the index: built at start, once. */
    assert_int_equal(ry_txn_clear(txn, "sub_by_org"), 0);
    bool rebuilt;
    assert_int_equal(notify_subscribe_reindex(txn, &rebuilt), 0);
    assert_true(rebuilt);
    assert_int_equal(ry_txn_count(txn, "sub_by_org", &rows), 0);
    assert_int_equal(rows, 3);
    assert_int_equal(notify_subscribe_reindex(txn, &rebuilt), 0);
    assert_false(rebuilt);
    assert_int_equal(ry_txn_commit(&txn), 0);
    s_loaded(f, both, 4, got, sizeof got);
    assert_string_equal(got, "union-a,萧山区");

    /* An organisation's subscriptions are bounded: one more is refused,
     * and nothing is kept. */
    Rongyu__SubscribeRequest sq = RONGYU__SUBSCRIBE_REQUEST__INIT;
    sq.org = (char *)"union-c";
    sq.channel = RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK;
    sq.secret = (char *)"0123456789abcdef";
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.body_case = RONGYU__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &sq;
    char url[64], key[32];
    for (int i = 0; i <= NOTIFY_SUBSCRIBE_MAX_PER_ORG; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:9/c%d", i);
        snprintf(key, sizeof key, "c%d", i);
        sq.url = url;
        req.idempotency_key = key;
        r = s_sub_call(f, file, &req);
        if (i < NOTIFY_SUBSCRIBE_MAX_PER_ORG) {
            assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
        } else {
            assert_int_equal(r->code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
            assert_string_equal(r->field_path, "subscribe.org");
            assert_non_null(strstr(r->detail, "has 16 subscriptions"));
        }
        ry_pb_free(&r);
    }
    assert_int_equal(ry_txn_begin(f->store, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, "sub_by_org", &rows), 0);
    assert_int_equal(rows, 3 + NOTIFY_SUBSCRIBE_MAX_PER_ORG);
    ry_txn_abort(&txn);
    notify_subs_destroy(&file);
}

/* A store an earlier version (without sub_by_org) ran on after this one
 * indexed it: that version cancelled one subscription and made another,
 * neither in the index, so the counts agree while the index is stale.
 * The index is rebuilt at start all the same: the new subscription is
 * found by its organisation, the cancelled one is not. */
static void
test_subscriptions_index_rebuilt_after_an_earlier_version(void **state)
{
    fx_t *f = *state;
    notify_subs_t *file;
    char path[300];
    snprintf(path, sizeof path, "%s/none.json", f->dir);
    assert_int_equal(notify_subs_new(path, &file), 0);
    s_subscribe_org(f, file, "union-a", "http://127.0.0.1:9/a");
    s_subscribe_org(f, file, "union-b", "http://127.0.0.1:9/b");
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    uint8_t key[8];
    ry_be64_put(key, 1); /* s1, union-a's, cancelled */
    assert_int_equal(ry_txn_del(txn, "subscriptions", key, 8), 0);
    Rongyu__Subscription s = RONGYU__SUBSCRIPTION__INIT;
    s.id = (char *)"s3";
    s.org = (char *)"union-c";
    s.channel = RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK;
    s.url = (char *)"http://127.0.0.1:9/c";
    s.secret = (char *)"0123456789abcdef";
    s.created_by = (char *)"platform|platform|";
    size_t len;
    uint8_t *buf = ry_pb_pack(&s.base, &len);
    ry_be64_put(key, 3);
    assert_int_equal(ry_txn_put(txn, "subscriptions", key, 8, buf, len, 0), 0);
    free(buf);
    bool rebuilt;
    assert_int_equal(notify_subscribe_reindex(txn, &rebuilt), 0);
    assert_true(rebuilt);
    assert_int_equal(notify_subscribe_reindex(txn, &rebuilt), 0);
    assert_false(rebuilt);
    assert_int_equal(ry_txn_commit(&txn), 0);
    char got[200];
    const char *c[] = {"union-c"}, *a[] = {"union-a"}, *b[] = {"union-b"};
    s_loaded(f, c, 1, got, sizeof got);
    assert_string_equal(got, "union-c");
    s_loaded(f, a, 1, got, sizeof got);
    assert_string_equal(got, "");
    s_loaded(f, b, 1, got, sizeof got);
    assert_string_equal(got, "union-b");
    notify_subs_destroy(&file);
}

/* The feed's topic is "<org>|" and a SUB socket takes every topic its
 * subscription begins: an organisation whose id holds '|' ("萧山区|x",
 * topic "萧山区|x|") would reach the subscribers of "萧山区|". It is
 * refused the feed (E_INVALID, nothing kept) but not a webhook; one
 * stored before (by an earlier build) makes no feed item, while the
 * organisation it begins gets its own. */
static void
test_no_feed_under_a_topic_that_begins_another(void **state)
{
    fx_t *f = *state;
    notify_subs_t *file;
    char path[300];
    snprintf(path, sizeof path, "%s/none.json", f->dir);
    assert_int_equal(notify_subs_new(path, &file), 0);
    Rongyu__SubscribeRequest sq = RONGYU__SUBSCRIBE_REQUEST__INIT;
    sq.org = (char *)"萧山区|x";
    sq.channel = RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_FEED;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.idempotency_key = (char *)"feed-bar";
    req.body_case = RONGYU__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &sq;
    Rongyu__Reply *r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(r->field_path, "subscribe.org");
    assert_non_null(strstr(r->detail, "含有「|」"));
    assert_non_null(strstr(r->detail, "holds '|'"));
    ry_pb_free(&r);
    ry_txn_t *txn;
    uint64_t rows;
    assert_int_equal(ry_txn_begin(f->store, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, "subscriptions", &rows), 0);
    assert_int_equal(rows, 0);
    ry_txn_abort(&txn);
    s_subscribe_org(f, file, "萧山区|x", "http://127.0.0.1:9/x");
    req.idempotency_key = (char *)"feed-unit";
    sq.org = (char *)"萧山区";
    r = s_sub_call(f, file, &req);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    ry_pb_free(&r);

    /* Stored by an earlier build. */
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__Subscription s = RONGYU__SUBSCRIPTION__INIT;
    s.id = (char *)"s9";
    s.org = (char *)"萧山区|x";
    s.channel = RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_FEED;
    s.created_by = (char *)"platform|platform|";
    size_t len;
    uint8_t *buf = ry_pb_pack(&s.base, &len);
    uint8_t key[8];
    ry_be64_put(key, 9);
    assert_int_equal(ry_txn_put(txn, "subscriptions", key, 8, buf, len, 0), 0);
    free(buf);
    assert_int_equal(notify_subscribe_reindex(txn, NULL), 0);

    notify_config_t nc = s_deliver_config();
    notify_deliver_t *d;
    assert_int_equal(notify_deliver_new(f->store, 1 << 26, &nc, NULL, NULL, &d),
                     0);
    notify_notice_t n = {.notice_id = "campaign|c|submission_remind",
                         .kind = "submission_remind",
                         .campaign_id = "c",
                         .deadline = "2018-11-30",
                         .workdays_before = 3,
                         .at_ms = s_at("2018-11-27T09:00")};
    const char *to[] = {"@all"};
    unsigned count;
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &n, to, 1, file, n.at_ms, &count), 0);
    /* 萧山区's feed item, 萧山区|x's webhook; no feed item for it. */
    assert_int_equal(count, 2);
    Rongyu__FeedReplayRequest fq = RONGYU__FEED_REPLAY_REQUEST__INIT;
    Rongyu__FeedReplayReply fr = RONGYU__FEED_REPLAY_REPLY__INIT;
    assert_int_equal(notify_deliver_replay(txn, &fq, &fr), 0);
    assert_int_equal(fr.n_items, 1);
    assert_string_equal(fr.items[0]->topic, "萧山区");
    notify_deliver_reply_clear_feed(&fr);
    ry_txn_abort(&txn);
    notify_deliver_destroy(&d);
    notify_subs_destroy(&file);
}

/* The organisations the deliveries of notice 'id' went to, in order,
 * joined by ','. */
static void
s_delivered_to(ry_txn_t *txn, const char *id, char *out, size_t cap)
{
    Rongyu__NotificationsRequest q = RONGYU__NOTIFICATIONS_REQUEST__INIT;
    Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
    q.limit = 1000;
    assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r.n_deliveries; i++)
        if (strcmp(r.deliveries[i]->notice_id, id) == 0)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "",
                                  r.deliveries[i]->org);
    notify_deliver_reply_clear(&r);
}

/* A subscription by request has no role: its organisation's is taken.
 * The unit 萧山区 (a row of Annex 1) and the city ("city", or the
 * organisation of a city key intake registered) receive the reminders
 * addressed to @unit and @city, whoever subscribed them; a grassroots
 * union does not. */
static void
test_subscriptions_by_request_are_addressed_by_their_organisation(void **state)
{
    fx_t *f = *state;
    notify_subs_t *file;
    char path[300];
    snprintf(path, sizeof path, "%s/none.json", f->dir);
    assert_int_equal(notify_subs_new(path, &file), 0);
    ry_campaigns_t *camps;
    ry_campaign_t *c;
    char err[256];
    assert_int_equal(ry_campaigns_new(&camps), 0);
    assert_int_equal(ry_campaign_load_default(&c, err, sizeof err), 0);
    assert_int_equal(ry_campaigns_add(camps, &c), 0);

    /* A city key registered to another organisation id than "city". */
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__KeyRecord kr = RONGYU__KEY_RECORD__INIT;
    char pk[RY_KEY_LEN + 1];
    memset(pk, 'C', RY_KEY_LEN);
    pk[RY_KEY_LEN] = '\0';
    kr.public_key = pk;
    kr.org_id = (char *)"hzgh";
    kr.role = (char *)"city";
    size_t len;
    uint8_t *buf = ry_pb_pack(&kr.base, &len);
    assert_int_equal(ry_txn_put(txn, "readers", pk, RY_KEY_LEN, buf, len, 0),
                     0);
    free(buf);
    assert_int_equal(ry_txn_commit(&txn), 0);

    s_subscribe_org(f, file, "萧山区", "http://127.0.0.1:9/unit");
    s_subscribe_org(f, file, "city", "http://127.0.0.1:9/city");
    s_subscribe_org(f, file, "hzgh", NULL);
    s_subscribe_org(f, file, "union-a", "http://127.0.0.1:9/union");

    char role[16];
    assert_int_equal(ry_txn_begin(f->store, NULL, false, &txn), 0);
    char **cities;
    size_t ncities;
    assert_int_equal(notify_readers_city_orgs(txn, &cities, &ncities), 0);
    assert_int_equal(ncities, 1);
    assert_string_equal(cities[0], "hzgh");
    const char *const roles[][3] = {{"city", "", "city"},
                                    {"hzgh", "", "city"},
                                    {"萧山区", "", "unit"},
                                    {"萧山区", "grassroots", "unit"},
                                    {"工业工会", "", "unit"},
                                    {"union-a", "", "grassroots"},
                                    {"union-a", "branch", "branch"},
                                    {"platform", "platform", "platform"}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        notify_subscribe_role(camps, cities, ncities, roles[i][0], roles[i][1],
                              role, sizeof role);
        assert_string_equal(role, roles[i][2]);
    }
    /* Without the campaigns no organisation is known as a unit. */
    notify_subscribe_role(NULL, cities, ncities, "萧山区", "", role,
                          sizeof role);
    assert_string_equal(role, "grassroots");
    free(cities[0]);
    free(cities);
    ry_txn_abort(&txn);

    notify_config_t nc = s_deliver_config();
    notify_deliver_t *d;
    assert_int_equal(
        notify_deliver_new(f->store, 1 << 26, &nc, camps, NULL, &d), 0);
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    notify_notice_t due = {.notice_id = "campaign|hangzhou-2018|submission_due",
                           .kind = "submission_due",
                           .campaign_id = "hangzhou-2018",
                           .deadline = "2018-11-30",
                           .at_ms = s_at("2018-12-01T00:00")};
    const char *units[] = {"@unit", "@city"};
    unsigned count;
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &due, units, 2, file, due.at_ms, &count),
        0);
    char to[400];
    s_delivered_to(txn, due.notice_id, to, sizeof to);
    assert_string_equal(to, "萧山区,city,hzgh");
    notify_notice_t over = {.notice_id = "case|case1|r1|review_overdue",
                            .kind = "review_overdue",
                            .campaign_id = "hangzhou-2018",
                            .deadline = "2018-11-29",
                            .at_ms = s_at("2018-11-30T00:00"),
                            .case_id = "case1"};
    const char *unit_city[] = {"萧山区", "@city"};
    assert_int_equal(notify_deliver_enqueue(d, txn, &over, unit_city, 2, file,
                                            over.at_ms, &count),
                     0);
    s_delivered_to(txn, over.notice_id, to, sizeof to);
    assert_string_equal(to, "萧山区,city,hzgh");
    /* Left out (a unit with its own extended deadline): not reached
     * through its role, still through its name. */
    char *xs[] = {"萧山区"};
    due.notice_id = "campaign|hangzhou-2018|summary_due";
    due.left_out = xs;
    due.nleft_out = 1;
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &due, units, 2, file, due.at_ms, &count),
        0);
    s_delivered_to(txn, due.notice_id, to, sizeof to);
    assert_string_equal(to, "city,hzgh");
    over.notice_id = "case|case1|r1|review_overdue|again";
    over.left_out = xs;
    over.nleft_out = 1;
    assert_int_equal(notify_deliver_enqueue(d, txn, &over, unit_city, 2, file,
                                            over.at_ms, &count),
                     0);
    s_delivered_to(txn, over.notice_id, to, sizeof to);
    assert_string_equal(to, "萧山区,city,hzgh");
    /* @all still reaches every one; @grassroots only the union. */
    notify_notice_t all = {.notice_id = "campaign|hangzhou-2018|x",
                           .kind = "submission_remind",
                           .campaign_id = "hangzhou-2018",
                           .deadline = "2018-11-30",
                           .at_ms = due.at_ms};
    const char *every[] = {"@all"};
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &all, every, 1, file, all.at_ms, &count),
        0);
    assert_int_equal(count, 4);
    const char *grassroots[] = {"@grassroots"};
    all.notice_id = "campaign|hangzhou-2018|y";
    assert_int_equal(notify_deliver_enqueue(d, txn, &all, grassroots, 1, file,
                                            all.at_ms, &count),
                     0);
    s_delivered_to(txn, all.notice_id, to, sizeof to);
    assert_string_equal(to, "union-a");
    ry_txn_abort(&txn);
    notify_deliver_destroy(&d);
    ry_campaigns_destroy(&camps);
    notify_subs_destroy(&file);
}

/* A delivery whose notice's case event does not read (a store's read
 * error) is not sent without it: it waits, and is tried again a second
 * later by itself, not only when another notice comes. */
static void
test_delivery_waits_for_its_notice_to_read(void **state)
{
    fx_t *f = *state;
    char path[300];
    snprintf(path, sizeof path, "%s/subscribers.json", f->dir);
    ut_write_file(path, "{\"subscribers\": [{\"org\": \"union-a\","
                        " \"role\": \"grassroots\", \"webhook\":"
                        " {\"url\": \"http://127.0.0.1:9/h\","
                        " \"secret\": \"s\"}}]}");
    notify_subs_t *subs;
    assert_int_equal(notify_subs_new(path, &subs), 0);
    notify_config_t nc = s_deliver_config();
    notify_deliver_t *d;
    assert_int_equal(notify_deliver_new(f->store, 1 << 26, &nc, NULL, NULL, &d),
                     0);
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.case_id = "case1";
    ev.event = "eligible";
    ev.applicant_org = "union-a";
    ev.campaign_id = "hangzhou-2018";
    size_t len;
    uint8_t *buf = ry_pb_pack(&ev.base, &len);
    uint8_t key[NOTIFY_EVENT_KEY_MAX];
    size_t klen = notify_events_key(key, "intake", 7);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(notify_events_put(txn, key, klen, buf, len), 0);
    free(buf);
    notify_notice_t n = {.notice_id = "event|intake|7",
                         .kind = "case_eligible",
                         .campaign_id = "hangzhou-2018",
                         .deadline = "",
                         .at_ms = 1000,
                         .ev = &ev,
                         .event_key = key,
                         .event_key_len = klen};
    const char *to[] = {"union-a"};
    unsigned count;
    int64_t now = ry_clock_now_ms();
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &n, to, 1, subs, now, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(ry_txn_commit(&txn), 0);

    ry_store_fail_reads(f->store, NOTIFY_EVENT_TABLES, NULL, 0);
    assert_int_equal(notify_deliver_pump(d, now), 0);
    assert_int_equal(notify_deliver_active(d), 0);
    assert_true(notify_deliver_next_due(d) > now);
    assert_true(notify_deliver_next_due(d) <= now + 1000);
    ry_store_fail_reads(f->store, NULL, NULL, 0);
    assert_int_equal(notify_deliver_pump(d, now + 1000), 0);
    assert_int_equal(notify_deliver_active(d), 1);
    notify_deliver_destroy(&d);
    notify_subs_destroy(&subs);
}

/* A loopback port that takes connections and never answers (they wait
 * in its backlog): a receiver as slow as the transfer's timeout. Returns
 * the listening socket; its port in *port. */
static int
s_silent_receiver(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 64), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* One organisation's receivers, silent until the timeout, hold a quarter
 * of the transfers at most (here 1 of 4): with as many webhooks as the
 * pool has transfers (an organisation may have 16, the default pool),
 * another organisation's webhook starts at once instead of waiting for
 * the timeouts. The rest of its own start as its first ends. */
static void
test_a_silent_receiver_holds_up_no_other_organisation(void **state)
{
    fx_t *f = *state;
    int port;
    int silent = s_silent_receiver(&port);
    char path[300], doc[2000];
    snprintf(path, sizeof path, "%s/subscribers.json", f->dir);
    size_t w = (size_t)snprintf(doc, sizeof doc, "{\"subscribers\": [");
    for (int i = 0; i < 4; i++)
        w += (size_t)snprintf(doc + w, sizeof doc - w,
                              "{\"org\": \"slow\", \"webhook\": {\"url\": "
                              "\"http://127.0.0.1:%d/slow%d\", \"secret\": "
                              "\"s\"}},",
                              port, i);
    snprintf(doc + w, sizeof doc - w,
             "{\"org\": \"other\", \"webhook\": {\"url\": "
             "\"http://127.0.0.1:%d/other\", \"secret\": \"s\"}}]}",
             port);
    ut_write_file(path, doc);
    notify_subs_t *subs;
    assert_int_equal(notify_subs_new(path, &subs), 0);
    assert_int_equal(notify_subs_count(subs), 5);
    notify_config_t nc = s_deliver_config(); /* 4 transfers, 1 s */
    notify_deliver_t *d;
    assert_int_equal(notify_deliver_new(f->store, 1 << 26, &nc, NULL, NULL, &d),
                     0);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    notify_notice_t n = {.notice_id = "campaign|c|submission_remind",
                         .kind = "submission_remind",
                         .campaign_id = "c",
                         .deadline = "2018-11-30",
                         .workdays_before = 3,
                         .at_ms = s_at("2018-11-27T09:00")};
    const char *to[] = {"@all"};
    unsigned count;
    assert_int_equal(
        notify_deliver_enqueue(d, txn, &n, to, 1, subs, n.at_ms, &count), 0);
    assert_int_equal(count, 5);
    assert_int_equal(ry_txn_commit(&txn), 0);
    /* slow's first and other's: two in flight, two transfers free. */
    assert_int_equal(notify_deliver_pump(d, n.at_ms), 0);
    assert_int_equal(notify_deliver_active(d), 2);
    assert_int_equal(notify_deliver_pump(d, n.at_ms), 0);
    assert_int_equal(notify_deliver_active(d), 2);
    notify_deliver_destroy(&d);
    notify_subs_destroy(&subs);
    close(silent);
}

static void
test_one_delivery_per_subscriber_and_channel(void **state)
{
    fx_t *f = *state;
    char path[300];
    snprintf(path, sizeof path, "%s/subscribers.json", f->dir);
    ut_write_file(path,
                  "{\"subscribers\": ["
                  "{\"org\": \"萧山区\", \"role\": \"unit\", \"pub\": true,"
                  " \"webhook\": {\"url\": \"http://127.0.0.1:9/h\","
                  " \"secret\": \"s\"}, \"email\": \"u@x.cn\"},"
                  "{\"org\": \"萧山区\", \"role\": \"unit\", \"pub\": true},"
                  "{\"org\": \"city\", \"role\": \"city\","
                  " \"email\": \"c@x.cn\"},"
                  "{\"org\": \"other\", \"role\": \"grassroots\","
                  " \"email\": \"o@x.cn\"}]}");
    notify_subs_t *subs;
    assert_int_equal(notify_subs_new(path, &subs), 0);
    assert_int_equal(notify_subs_count(subs), 4);
    notify_config_t nc = s_deliver_config();
    /* No SMTP server: e-mails fail at once, with the reason. */
    notify_deliver_t *d;
    assert_int_equal(notify_deliver_new(f->store, 1 << 26, &nc, NULL, NULL, &d),
                     0);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    notify_notice_t n = {.notice_id = "campaign|c|summary_remind",
                         .kind = "summary_remind",
                         .campaign_id = "c",
                         .deadline = "2018-12-31",
                         .workdays_before = 3,
                         .at_ms = s_at("2018-12-27T09:00")};
    const char *to[] = {"@unit", "@city"};
    unsigned count;
    assert_int_equal(notify_deliver_enqueue(d, txn, &n, to, 2, subs,
                                            n.at_ms, &count),
                     0);
    /* 萧山区: one feed item (the second entry's is the same topic),
     * webhook, e-mail; city: e-mail. Not "other". */
    assert_int_equal(count, 4);
    Rongyu__NotificationsRequest q = RONGYU__NOTIFICATIONS_REQUEST__INIT;
    Rongyu__NotificationsReply r = RONGYU__NOTIFICATIONS_REPLY__INIT;
    assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
    assert_int_equal(r.n_deliveries, 4);
    assert_string_equal(r.deliveries[0]->channel, "pub");
    assert_string_equal(r.deliveries[0]->state, "sent");
    assert_string_equal(r.deliveries[1]->channel, "webhook");
    assert_string_equal(r.deliveries[1]->state, "pending");
    assert_string_equal(r.deliveries[1]->secret, "");
    assert_string_equal(r.deliveries[2]->channel, "email");
    assert_string_equal(r.deliveries[2]->state, "failed");
    assert_non_null(strstr(r.deliveries[2]->last_error, "SMTP"));
    /* Each row keeps what its channel sends, once: the feed's body is
     * the feed item's. */
    assert_true(r.deliveries[0]->feed_seq > 0);
    assert_string_equal(r.deliveries[0]->body, "");
    assert_string_equal(r.deliveries[0]->subject, "");
    assert_non_null(
        strstr(r.deliveries[1]->body, "\"kind\":\"summary_remind\""));
    assert_string_equal(r.deliveries[1]->subject, "");
    assert_string_equal(r.deliveries[1]->text, "");
    assert_string_equal(r.deliveries[2]->body, "");
    assert_true(strlen(r.deliveries[2]->subject) > 0);
    assert_true(strlen(r.deliveries[2]->text) > 0);
    assert_int_equal(r.deliveries[1]->notice, 0); /* the store's own */
    /* The notice is kept once; its rows hold no prose, only its number,
     * and are rendered from it into the same bytes at each reading. */
    uint64_t notices;
    assert_int_equal(ry_txn_count(txn, "notices", &notices), 0);
    assert_int_equal(notices, 1);
    for (uint64_t id = 1; id <= 3; id++) {
        uint8_t k[8];
        ry_be64_put(k, id);
        ry_val_t v;
        assert_int_equal(ry_txn_get(txn, "deliveries", k, 8, &v), 0);
        Rongyu__Delivery *row = (Rongyu__Delivery *)ry_pb_unpack(
            &rongyu__delivery__descriptor, v.data, v.len, 0);
        assert_non_null(row);
        assert_int_equal(row->notice, 1);
        assert_string_equal(row->body, "");
        assert_string_equal(row->subject, "");
        assert_string_equal(row->text, "");
        ry_pb_free(&row);
    }
    uint8_t fk[8];
    ry_be64_put(fk, 1);
    ry_val_t fv;
    assert_int_equal(ry_txn_get(txn, "feed", fk, 8, &fv), 0);
    Rongyu__FeedItem *frow = (Rongyu__FeedItem *)ry_pb_unpack(
        &rongyu__feed_item__descriptor, fv.data, fv.len, 0);
    assert_non_null(frow);
    assert_int_equal(frow->notice, 1);
    assert_string_equal(frow->body, "");
    ry_pb_free(&frow);
    Rongyu__NotificationsReply again = RONGYU__NOTIFICATIONS_REPLY__INIT;
    assert_int_equal(notify_deliver_list(txn, &q, &again), 0);
    assert_string_equal(again.deliveries[1]->body, r.deliveries[1]->body);
    assert_string_equal(again.deliveries[2]->text, r.deliveries[2]->text);
    notify_deliver_reply_clear(&again);
    notify_deliver_reply_clear(&r);
    /* A delivery retried many times lists its last attempts alone. */
    {
        uint8_t k2[8];
        ry_be64_put(k2, 2);
        ry_val_t v2;
        assert_int_equal(ry_txn_get(txn, "deliveries", k2, 8, &v2), 0);
        Rongyu__Delivery *d2 = (Rongyu__Delivery *)ry_pb_unpack(
            &rongyu__delivery__descriptor, v2.data, v2.len, 0);
        assert_non_null(d2);
        d2->attempts = NOTIFY_DELIVER_LISTED_ATTEMPTS + 5;
        size_t l2;
        uint8_t *b2 = ry_pb_pack(&d2->base, &l2);
        assert_int_equal(ry_txn_put(txn, "deliveries", k2, 8, b2, l2, 0), 0);
        free(b2);
        ry_pb_free(&d2);
        for (uint32_t an = 1; an <= NOTIFY_DELIVER_LISTED_ATTEMPTS + 5; an++) {
            Rongyu__DeliveryAttempt at = RONGYU__DELIVERY_ATTEMPT__INIT;
            at.delivery_id = 2;
            at.n = an;
            uint8_t ak[16];
            ry_be64_put(ak, 2);
            ry_be64_put(ak + 8, an);
            b2 = ry_pb_pack(&at.base, &l2);
            assert_int_equal(ry_txn_put(txn, "attempts", ak, 16, b2, l2, 0), 0);
            free(b2);
        }
        q.after_id = 1;
        q.limit = 1;
        assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
        assert_int_equal(r.n_deliveries, 1);
        assert_int_equal(r.n_attempts, NOTIFY_DELIVER_LISTED_ATTEMPTS);
        assert_int_equal(r.attempts[0]->n, 6);
        assert_int_equal(r.attempts[NOTIFY_DELIVER_LISTED_ATTEMPTS - 1]->n,
                         NOTIFY_DELIVER_LISTED_ATTEMPTS + 5);
        notify_deliver_reply_clear(&r);
        q.after_id = 0;
        q.limit = 0;
    }
    /* A row written before notices were kept holds its prose: listed as
     * it is. */
    Rongyu__Delivery old = RONGYU__DELIVERY__INIT;
    old.id = 99;
    old.channel = "webhook";
    old.state = "sent";
    old.org = "萧山区";
    old.body = "{\"old\":true}";
    size_t olen;
    uint8_t *obuf = ry_pb_pack(&old.base, &olen);
    uint8_t ok[8];
    ry_be64_put(ok, 99);
    assert_int_equal(ry_txn_put(txn, "deliveries", ok, 8, obuf, olen, 0), 0);
    free(obuf);
    q.after_id = 98;
    assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
    assert_int_equal(r.n_deliveries, 1);
    assert_string_equal(r.deliveries[0]->body, "{\"old\":true}");
    notify_deliver_reply_clear(&r);
    assert_int_equal(ry_txn_del(txn, "deliveries", ok, 8), 0);
    q.after_id = 0;
    q.state = "failed";
    assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
    assert_int_equal(r.n_deliveries, 2);
    notify_deliver_reply_clear(&r);
    /* After the last id there can be: nothing (not from the first). */
    q.state = (char *)"";
    q.after_id = UINT64_MAX;
    assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
    assert_int_equal(r.n_deliveries, 0);
    notify_deliver_reply_clear(&r);
    q.after_id = 0;

    Rongyu__FeedReplayRequest fq = RONGYU__FEED_REPLAY_REQUEST__INIT;
    Rongyu__FeedReplayReply fr = RONGYU__FEED_REPLAY_REPLY__INIT;
    assert_int_equal(notify_deliver_replay(txn, &fq, &fr), 0);
    assert_int_equal(fr.n_items, 1);
    assert_int_equal(fr.last_seq, 1);
    assert_string_equal(fr.items[0]->topic, "萧山区");
    assert_non_null(strstr(fr.items[0]->body, "2018年12月31日（星期一）"));
    notify_deliver_reply_clear_feed(&fr);
    fq.since_seq = 1;
    assert_int_equal(notify_deliver_replay(txn, &fq, &fr), 0);
    assert_int_equal(fr.n_items, 0);
    notify_deliver_reply_clear_feed(&fr);
    fq.since_seq = UINT64_MAX; /* not from the first again */
    assert_int_equal(notify_deliver_replay(txn, &fq, &fr), 0);
    assert_int_equal(fr.n_items, 0);
    notify_deliver_reply_clear_feed(&fr);
    /* A second notice: the topic counts 1, 2; replay takes the live
     * feed's topic "萧山区|" (or "萧山区") and counts in it. */
    n.notice_id = "campaign|c|summary_due";
    assert_int_equal(notify_deliver_enqueue(d, txn, &n, to, 2, subs,
                                            n.at_ms, &count),
                     0);
    fq.topic = (char *)"萧山区|";
    fq.since_seq = 1;
    assert_int_equal(notify_deliver_replay(txn, &fq, &fr), 0);
    assert_int_equal(fr.n_items, 1);
    assert_int_equal(fr.items[0]->topic_seq, 2);
    assert_int_equal(fr.last_seq, 2);
    notify_deliver_reply_clear_feed(&fr);
    fq.topic = (char *)"萧山区";
    fq.since_seq = 0;
    assert_int_equal(notify_deliver_replay(txn, &fq, &fr), 0);
    assert_int_equal(fr.n_items, 2);
    assert_int_equal(fr.items[0]->topic_seq, 1);
    notify_deliver_reply_clear_feed(&fr);
    /* A review notice whose case event is lost: its deliveries still name
     * the case. */
    notify_notice_t lost = {.notice_id = "case|case2|r1|review_overdue",
                            .kind = "review_overdue",
                            .campaign_id = "c",
                            .deadline = "2018-11-29",
                            .at_ms = s_at("2018-11-30T00:00"),
                            .case_id = "case2"};
    const char *city[] = {"@city"};
    assert_int_equal(notify_deliver_enqueue(d, txn, &lost, city, 1, subs,
                                            lost.at_ms, &count),
                     0);
    assert_int_equal(count, 1);
    q.state = "";
    assert_int_equal(notify_deliver_list(txn, &q, &r), 0);
    assert_true(r.n_deliveries > 0);
    const Rongyu__Delivery *last = r.deliveries[r.n_deliveries - 1];
    assert_string_equal(last->notice_id, "case|case2|r1|review_overdue");
    assert_string_equal(last->case_id, "case2");
    notify_deliver_reply_clear(&r);
    ry_txn_abort(&txn);
    notify_deliver_destroy(&d);
    notify_subs_destroy(&subs);
}


/* ------------------------------------------------------------ postings */

/* A case's reminder planned after its time, while it is still of use (its
 * event came late: a draft saved after the start-by reminder's day, a
 * posting recorded after its last day, notification down), is due at
 * once; after that, skipped as a campaign's. */
static void
test_case_reminder_planned_late_goes_while_of_use(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev =
        s_event("draft_saved", RONGYU__CASE_STATE__DRAFT, "2018-11-20T10:00");
    ev.submitted_at_ms = 0;
    ev.posting_end = "";
    /* Saved on Fri 11-23: the reminder of 11-21 goes at once (last start
     * Mon 11-26), to the union and its unit. */
    int64_t now = s_at("2018-11-23T15:00");
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n1",
                                             NULL, NULL, now),
                     0);
    const char *sb = "case|case1|posting|r1|start_by|2018-11-26";
    s_assert_timer(txn, sb, "pending", "2018-11-23T15:00");
    Rongyu__NotifyTimer *t = s_timer(txn, sb);
    assert_int_equal(t->n_targets, 2);
    assert_int_equal(t->late_until_ms, s_at("2018-11-27T00:00"));
    ry_pb_free(&t);
    /* Saved again later that day: not moved again. */
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n2",
                                             NULL, NULL,
                                             s_at("2018-11-23T16:00")),
                     0);
    s_assert_timer(txn, sb, "pending", "2018-11-23T15:00");
    ry_txn_abort(&txn);

    /* A posting from 11-19 to 11-25, recorded on Wed 11-28: complete
     * since 11-23, the deadline 11-30 not passed: told at once. */
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    ev.posting_start = "2018-11-19";
    ev.posting_end = "2018-11-25";
    now = s_at("2018-11-28T10:00");
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n3",
                                             NULL, NULL, now),
                     0);
    const char *done = "case|case1|posting|r1|complete|2018-11-19|2018-11-25";
    s_assert_timer(txn, done, "pending", "2018-11-28T10:00");
    ry_txn_abort(&txn);
    /* Recorded on 12-01, after the deadline: skipped. */
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n4",
                                             NULL, NULL,
                                             s_at("2018-12-01T10:00")),
                     0);
    s_assert_timer(txn, done, "skipped", NULL);
    ry_txn_abort(&txn);

    /* A review reminder: submitted 10-29, review due 11-29, reminded
     * 11-26; its event came on 11-27: reminded at once; on 11-30 (the
     * review overdue), not. */
    Rongyu__CaseEvent sub =
        s_event("submitted", RONGYU__CASE_STATE__SUBMITTED, "2018-10-29T10:00");
    uint8_t key[NOTIFY_EVENT_KEY_MAX];
    size_t klen = notify_events_key(key, "intake", 1);
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(notify_plan_case(txn, &f->plan, f->camp, &sub, key, klen,
                                      s_at("2018-11-27T11:00")),
                     0);
    s_assert_timer(txn, "case|case1|r1|review_remind", "pending",
                   "2018-11-27T11:00");
    ry_txn_abort(&txn);
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(notify_plan_case(txn, &f->plan, f->camp, &sub, key, klen,
                                      s_at("2018-11-30T11:00")),
                     0);
    s_assert_timer(txn, "case|case1|r1|review_remind", "skipped", NULL);
    ry_txn_abort(&txn);
}

static void
test_posting_timers_follow_the_draft(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    /* A draft with no posting: remind 3 working days before Mon 11-26. */
    Rongyu__CaseEvent ev =
        s_event("draft_saved", RONGYU__CASE_STATE__DRAFT, "2018-11-20T10:00");
    ev.submitted_at_ms = 0;
    ev.posting_end = "";
    int64_t now = s_at("2018-11-20T10:00");
    assert_true(notify_posting_is_draft(&ev));
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n1",
                                             NULL, NULL, now),
                     0);
    s_assert_timer(txn, "case|case1|posting|r1|start_by|2018-11-26", "pending",
                   "2018-11-21T09:00");
    /* A posting from 11-20: complete on Mon 11-26, submittable that
     * day, so told at 09:00 that morning; the reminder goes. */
    ev.posting_start = "2018-11-20";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n2",
                                             NULL, NULL, now),
                     0);
    s_assert_timer(txn, "case|case1|posting|r1|start_by|2018-11-26",
                   "cancelled", NULL);
    const char *done = "case|case1|posting|r1|complete|2018-11-20|2018-11-26";
    s_assert_timer(txn, done, "pending", "2018-11-26T09:00");
    Rongyu__NotifyTimer *t = s_timer(txn, done);
    assert_string_equal(t->event->posting_earliest_end, "2018-11-26");
    assert_string_equal(t->event->posting_last_start, "2018-11-26");
    assert_string_equal(t->submit_by, "2018-11-30");
    assert_int_equal(t->posting_workdays, 5);
    ry_pb_free(&t);
    /* Saved again unchanged: nothing moves. */
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n3",
                                             NULL, NULL, now),
                     0);
    s_assert_timer(txn, done, "pending", "2018-11-26T09:00");
    /* A planned end too short, or a start too late: no complete timer. */
    ev.posting_end = "2018-11-23";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n4",
                                             NULL, NULL, now),
                     0);
    s_assert_timer(txn, done, "cancelled", NULL);
    /* Changed back: the same timer is planned again. */
    ev.posting_end = "";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev,
                                             "n4b", NULL, NULL, now),
                     0);
    s_assert_timer(txn, done, "pending", "2018-11-26T09:00");
    ev.posting_start = "2018-11-27";
    ev.posting_end = "";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n5",
                                             NULL, NULL, now),
                     0);
    assert_null(s_timer(txn, "case|case1|posting|r1|complete|2018-11-27|"
                             "2018-12-03"));
    /* Submitted mid-posting: the pending posting timers are cancelled. */
    ev.posting_start = "2018-11-21";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n6",
                                             NULL, NULL, now),
                     0);
    const char *mid = "case|case1|posting|r1|complete|2018-11-21|2018-11-27";
    s_assert_timer(txn, mid, "pending", "2018-11-27T09:00");
    assert_int_equal(notify_posting_cancel(txn, "case1", "submitted"), 0);
    s_assert_timer(txn, mid, "cancelled", NULL);
    ry_txn_abort(&txn);
}

static void
test_posting_across_national_day_and_the_nominations(void **state)
{
    fx_t *f = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    Rongyu__CaseEvent ev =
        s_event("draft_saved", RONGYU__CASE_STATE__DRAFT, "2018-09-27T10:00");
    ev.posting_start = "2018-09-28";
    ev.posting_end = "";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n1",
                                             NULL, NULL,
                                             s_at("2018-09-27T10:00")),
                     0);
    s_assert_timer(txn, "case|case1|posting|r1|complete|2018-09-28|2018-10-09",
                   "pending", "2018-10-09T09:00");
    /* Started on the last possible day, Mon 11-26: it completes on the
     * deadline, Fri 11-30, and is told that morning, before the
     * deadline has passed (not at 12-01 00:00), at the reminder hour. */
    ev.case_id = "case3";
    ev.posting_start = "2018-11-26";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n3",
                                             NULL, NULL,
                                             s_at("2018-11-26T10:00")),
                     0);
    const char *last = "case|case3|posting|r1|complete|2018-11-26|2018-11-30";
    s_assert_timer(txn, last, "pending", "2018-11-30T09:00");
    notify_plan_t late = f->plan;
    late.remind_hour = 8;
    assert_int_equal(notify_posting_on_draft(txn, &late, f->camp, &ev, "n4",
                                             NULL, NULL,
                                             s_at("2018-11-26T10:00")),
                     0);
    s_assert_timer(txn, last, "pending", "2018-11-30T08:00");
    /* A nomination with no posting: its last start is Tue 12-25 (for the
     * unit's 31 Dec), so the reminder is on Thu 12-20. */
    ev.case_id = "case2";
    ev.honour = RONGYU__HONOUR__EXCELLENT_WORKER;
    ev.posting_start = "";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, f->camp, &ev, "n2",
                                             NULL, NULL,
                                             s_at("2018-11-20T10:00")),
                     0);
    s_assert_timer(txn, "case|case2|posting|r1|start_by|2018-12-25", "pending",
                   "2018-12-20T09:00");
    /* The campaign-wide announcements. */
    assert_int_equal(notify_posting_plan_campaign(txn, &f->plan, f->camp,
                                                  s_at("2018-11-01T10:00"),
                                                  NULL),
                     0);
    s_assert_timer(txn, "campaign|hangzhou-2018|posting_last_start_remind",
                   "pending", "2018-11-21T09:00");
    s_assert_timer(txn,
                   "campaign|hangzhou-2018|"
                   "nomination_posting_last_start_remind",
                   "pending", "2018-12-20T09:00");
    ry_txn_abort(&txn);
}

/* Posting timers the calendar cannot answer say so in Chinese and
 * English and name the year (a 2026 campaign whose nominations are due
 * 2027-01-08); a posting that starts after its deadline is too late,
 * which needs no calendar: no timer fails for it. */
static void
test_posting_timers_name_the_missing_year(void **state)
{
    fx_t *f = *state;
    ry_campaign_t *c = ut_campaign_deadline_2027();
    assert_non_null(c);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(f->store, NULL, true, &txn), 0);
    assert_int_equal(notify_posting_plan_campaign(
                         txn, &f->plan, c, s_at("2026-11-01T10:00"), NULL),
                     0);
    Rongyu__NotifyTimer *t = s_timer(
        txn, "campaign|hangzhou-2026|nomination_posting_last_start_remind");
    assert_non_null(t);
    assert_string_equal(t->state, "failed");
    assert_non_null(strstr(t->reason, "日历没有 2027 年的数据"));
    assert_non_null(strstr(t->reason, "no data for 2027"));
    ry_pb_free(&t);
    Rongyu__CaseEvent ev =
        s_event("draft_saved", RONGYU__CASE_STATE__DRAFT, "2026-12-20T10:00");
    ev.campaign_id = "hangzhou-2026";
    ev.honour = RONGYU__HONOUR__EXCELLENT_WORKER;
    ev.posting_start = "2026-12-28";
    ev.posting_end = "";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, c, &ev, "m1", NULL,
                                             NULL, s_at("2026-12-20T10:00")),
                     0);
    t = s_timer(txn, "case|case1|posting|r1|complete");
    assert_non_null(t);
    assert_string_equal(t->state, "failed");
    assert_non_null(strstr(t->reason, "日历没有 2027 年的数据"));
    assert_non_null(strstr(t->reason, "no data for 2027"));
    ry_pb_free(&t);
    /* A home's posting from 2026-12-28: after 30 Nov, too late. */
    ev.case_id = "case2";
    ev.honour = RONGYU__HONOUR__ADVANCED_HOME;
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, c, &ev, "m2", NULL,
                                             NULL, s_at("2026-12-20T10:00")),
                     0);
    assert_null(s_timer(txn, "case|case2|posting|r1|complete"));
    /* A nomination with no posting: the last start day, counted back
     * from 2027-01-08, is not known either. */
    ev.case_id = "case3";
    ev.honour = RONGYU__HONOUR__EXCELLENT_WORKER;
    ev.posting_start = "";
    assert_int_equal(notify_posting_on_draft(txn, &f->plan, c, &ev, "m3", NULL,
                                             NULL, s_at("2026-12-20T10:00")),
                     0);
    s_assert_timer(txn, "case|case3|posting|r1|start_by", "failed", NULL);
    /* Still no 2027: planned again, both stay failed. */
    ry_campaigns_t *camps;
    assert_int_equal(ry_campaigns_new(&camps), 0);
    assert_int_equal(ry_campaigns_add(camps, &c), 0);
    unsigned n = 9;
    assert_int_equal(
        notify_plan_failed(txn, &f->plan, camps, s_at("2026-12-20T11:00"), &n),
        0);
    assert_int_equal(n, 0);
    s_assert_timer(txn, "case|case1|posting|r1|complete", "failed", NULL);
    s_assert_timer(txn, "case|case3|posting|r1|start_by", "failed", NULL);
    /* 2027 added to the calendar (read at a restart): the posting from
     * Mon 2026-12-28 completes its 5th working day on Mon 2027-01-04
     * (01-01 off), told at 09:00 that day; the nomination not yet
     * posted must start by Mon 01-04, reminded 3 working days before,
     * on Tue 2026-12-29. The failed timers give way to them, and no
     * posting_recorded notice is made again (no delivery engine here). */
    char csv[300], err[256];
    snprintf(csv, sizeof csv, "%s/2027.csv", f->dir);
    assert_int_equal(
        ut_write_file(csv, "date,kind,name\n2027-01-01,off,元旦\n"), 0);
    assert_int_equal(ry_calendar_load_file(f->cal, csv, err, sizeof err), 0);
    assert_int_equal(
        notify_plan_failed(txn, &f->plan, camps, s_at("2026-12-20T11:00"), &n),
        0);
    assert_int_equal(n, 2);
    s_assert_timer(txn, "case|case1|posting|r1|complete", "cancelled", NULL);
    s_assert_timer(txn, "case|case1|posting|r1|complete|2026-12-28|2027-01-04",
                   "pending", "2027-01-04T09:00");
    t = s_timer(txn, "case|case1|posting|r1|complete|2026-12-28|2027-01-04");
    assert_non_null(t);
    assert_string_equal(t->deadline, "2027-01-04");
    assert_string_equal(t->submit_by, "2027-01-08");
    assert_string_equal(t->event->posting_earliest_end, "2027-01-04");
    ry_pb_free(&t);
    s_assert_timer(txn, "case|case3|posting|r1|start_by", "cancelled", NULL);
    s_assert_timer(txn, "case|case3|posting|r1|start_by|2027-01-04", "pending",
                   "2026-12-29T09:00");
    ry_campaigns_destroy(&camps);
    ry_txn_abort(&txn);
    ry_campaign_destroy(&c);
}

static void
test_posting_notices_in_both_languages(void **state)
{
    (void)state;
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.case_id = "c1";
    ev.applicant_name = "杭州恒毅纺织有限公司工会";
    ev.posting_start = "2018-11-20";
    ev.posting_end = "2018-11-23";
    ev.posting_earliest_end = "2018-11-26";
    ev.posting_last_start = "2018-11-26";
    ev.posting_deadline = "2018-11-30";
    notify_notice_t n = {.notice_id = "x", .kind = "posting_recorded",
                         .deadline = "2018-11-26", .ev = &ev,
                         .submit_by = "2018-11-30", .posting_workdays = 5};
    char *title, *text;
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_string_equal(title, "【公示】杭州恒毅纺织有限公司工会的公示最早可于2018年"
                               "11月26日（星期一）结束");
    assert_non_null(strstr(text, "最早的有效结束日期为2018年11月26日（星期一）"));
    assert_non_null(strstr(text, "the earliest valid end is Monday 26 "
                                 "November 2018"));
    free(title);
    free(text);
    n.kind = "posting_complete";
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    /* Sent that morning: true then. */
    assert_string_equal(title,
                        "【公示】杭州恒毅纺织有限公司工会的公示于2018年11月"
                        "26日（星期一）满5个工作日，当天起即可上报");
    assert_non_null(strstr(text, "公示于2018年11月26日（星期一）满5个工作日，"
                                 "当天起即可上报，截止日期为2018年11月30日（"
                                 "星期五）"));
    assert_non_null(strstr(text, "completes its 5 working days on Monday 26 "
                                 "November 2018: you may submit from that "
                                 "day; the deadline is Friday 30 November "
                                 "2018"));
    assert_null(strstr(text, "期满"));
    char *json;
    /* A planned end on Sun 11-25 after the 5th working day, Thu 11-22:
     * the posting ends (and may be submitted) on Sunday, though it had
     * its 5 working days on Thursday; Sunday is not its 5th. */
    ev.posting_start = "2018-11-16";
    ev.posting_end = "2018-11-25";
    ev.posting_earliest_end = "2018-11-22";
    n.deadline = "2018-11-25";
    char *t2, *x2;
    assert_int_equal(notify_text_render(&n, &t2, &x2), 0);
    assert_string_equal(t2, "【公示】杭州恒毅纺织有限公司工会的公示于2018年11月"
                            "25日（星期日）结束，当天起即可上报");
    assert_non_null(strstr(x2, "公示已于2018年11月22日（星期四）满5个工作日，"
                               "按计划于2018年11月25日（星期日）结束，当天起即"
                               "可上报，截止日期为2018年11月30日（星期五）"));
    assert_non_null(strstr(x2, "had its 5 working days on Thursday 22 "
                               "November 2018 and ends as planned on Sunday "
                               "25 November 2018: you may submit from that "
                               "day"));
    assert_null(strstr(x2, "2018年11月25日（星期日）满5个工作日"));
    free(t2);
    free(x2);
    ev.posting_start = "2018-11-20";
    ev.posting_end = "2018-11-23";
    ev.posting_earliest_end = "2018-11-26";
    n.deadline = "2018-11-26";
    assert_int_equal(notify_text_json(&n, title, text, 7, "org1", &json), 0);
    assert_non_null(strstr(json, "\"earliest_end_zh\":\"2018年11月26日（星期一）\""));
    assert_non_null(strstr(json, "\"submit_by\":\"2018-11-30\""));
    free(json);
    free(title);
    free(text);
    /* Recorded on Thu 11-15 for a posting to start on Mon 11-19: it is
     * to start, not started; recorded that day or later, it started. */
    n.kind = "posting_recorded";
    ev.posting_start = "2018-11-19";
    ev.posting_end = "";
    ev.posting_earliest_end = "2018-11-23";
    n.at_ms = s_at("2018-11-15T10:00");
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_non_null(strstr(text, "的公示已登记，定于2018年11月19日（星期一）"
                                 "开始，须满5个工作日"));
    assert_non_null(strstr(text, "it is to start on Monday 19 November 2018 "
                                 "and needs 5 working days"));
    assert_null(strstr(text, "started on"));
    free(title);
    free(text);
    n.at_ms = s_at("2018-11-19T00:00");
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_non_null(strstr(text, "自2018年11月19日（星期一）开始"));
    assert_non_null(strstr(text, "it started on Monday 19 November 2018"));
    free(title);
    free(text);
    n.at_ms = 0;
    /* A posting whose end the calendar cannot tell names the year. */
    n.kind = "posting_recorded";
    ev.posting_start = "2026-12-28";
    ev.posting_end = "";
    ev.posting_earliest_end = "";
    n.missing_year = 2027;
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_non_null(strstr(text, "工作日历缺少 2027 年的数据"));
    assert_non_null(strstr(text, "has no data for 2027"));
    free(title);
    free(text);
    /* Notification's calendar may have the year intake's lacked: no year
     * to name, only that one was missing. */
    n.missing_year = 0;
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_non_null(strstr(text, "工作日历缺少所需年份的数据"));
    assert_non_null(strstr(text, "has no data for a year it needs"));
    free(title);
    free(text);
    n.kind = "posting_last_start_remind";
    n.ev = NULL;
    n.workdays_before = 3;
    assert_int_equal(notify_text_render(&n, &title, &text), 0);
    assert_string_equal(title, "【提醒】公示最晚开始日期：2018年11月26日（星期一）");
    assert_non_null(strstr(text, "must start by Monday 26 November 2018"));
    free(title);
    free(text);
}

/* The deadline notices say it in English too, with the dates in full:
 * 31 Dec 2018 was a holiday, the summary reminder on Thu 27 Dec. */
static void
test_deadline_notices_in_both_languages(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *deadline, *zh, *en;
    } want[] = {
        {"submission_remind", "2018-11-30", "距截止还有3个工作日",
         "applications of campaign hangzhou-2018 are due by the end of "
         "Friday 30 November 2018, 3 working days before it"},
        {"submission_due", "2018-11-30",
         "基层工会申报已于2018年11月30日（星期五）截止",
         "closed at the end of Friday 30 November 2018"},
        {"summary_remind", "2018-12-31",
         "请于2018年12月31日（星期一）前报送三张汇总表",
         "please file the three summary tables (Annexes 2, 3 and 4) with "
         "the grassroots applications by the end of Monday 31 December "
         "2018, 3 working days before it"},
        {"summary_due", "2018-12-31",
         "汇总表报送已于2018年12月31日（星期一）截止",
         "were due by the end of Monday 31 December 2018"},
        {"review_remind", "2018-11-29",
         "审查截止日期为2018年11月29日（星期四）",
         "萧山区: 杭州恒毅纺织有限公司工会 (case c1, City Advanced Workers' "
         "Home) applied on Monday 29 October 2018 and is to be inspected "
         "within one month: the review is due by the end of Thursday 29 "
         "November 2018, 3 working days before it"},
        {"review_overdue", "2018-11-29",
         "审查截止日期2018年11月29日（星期四）已过",
         "its review was due by the end of Thursday 29 November 2018 and is "
         "not done"},
    };
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    ev.case_id = "c1";
    ev.applicant_name = "杭州恒毅纺织有限公司工会";
    ev.organising_unit = "萧山区";
    ev.honour = RONGYU__HONOUR__ADVANCED_HOME;
    ev.submitted_at_ms = s_at("2018-10-29T10:00");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool of_case = strncmp(want[i].kind, "review_", 7) == 0;
        notify_notice_t n = {.notice_id = "x",
                             .kind = want[i].kind,
                             .campaign_id = "hangzhou-2018",
                             .deadline = want[i].deadline,
                             .workdays_before = 3,
                             .ev = of_case ? &ev : NULL};
        char *title, *text;
        assert_int_equal(notify_text_render(&n, &title, &text), 0);
        if (!strstr(text, want[i].zh) || !strstr(text, want[i].en))
            fail_msg("%s: %s", want[i].kind, text);
        free(title);
        free(text);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_zh_has_the_weekday),
        cmocka_unit_test_setup_teardown(
            test_an_extension_gives_the_unit_its_own_reminders, s_setup,
            s_teardown),
        cmocka_unit_test(test_date_zh_refuses_bad_dates_and_small_buffers),
        cmocka_unit_test(test_event_names_are_normalised),
        cmocka_unit_test(test_ineligible_notice_lists_the_failed_checks),
        cmocka_unit_test(test_a_notice_without_its_event_names_its_case),
        cmocka_unit_test(test_mail_is_encoded_and_carries_the_ids),
        cmocka_unit_test(test_hmac_matches_rfc4231_case_2),
        cmocka_unit_test(
            test_request_and_feed_endpoints_follow_the_peer_endpoint),
        cmocka_unit_test(test_subscribers_parse_and_match),
        cmocka_unit_test(test_subscribers_refuse_bad_documents),
        cmocka_unit_test_setup_teardown(
            test_subscriptions_found_by_organisation, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_subscriptions_index_rebuilt_after_an_earlier_version, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_no_feed_under_a_topic_that_begins_another, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_campaign_reminders_are_three_working_days_before, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_case_reminder_planned_late_goes_while_of_use, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_reminder_already_past_is_skipped_not_fired_late, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_case_review_due_one_month_after_submission, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_unknown_calendar_year_is_reported_not_guessed, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_unknown_campaign_fails_the_review_timers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timer_fires_once_in_due_order,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_timers_page_until_next_after_is_zero, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_review_timer_names_its_event,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_fires_with_a_held_event_or_without_a_lost_one, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_an_event_that_does_not_read_fails_the_firing_and_the_listing,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timer_states_follow_the_stored_row,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_moved_timer_fires_at_its_new_time_only, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_subscriptions_by_request_are_addressed_by_their_organisation,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_subscriptions_by_request_are_entitled_audited_and_delivered,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_one_delivery_per_subscriber_and_channel, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_silent_receiver_holds_up_no_other_organisation, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_delivery_waits_for_its_notice_to_read, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_posting_timers_follow_the_draft,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_posting_across_national_day_and_the_nominations, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_posting_timers_name_the_missing_year, s_setup, s_teardown),
        cmocka_unit_test(test_posting_notices_in_both_languages),
        cmocka_unit_test(test_deadline_notices_in_both_languages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
