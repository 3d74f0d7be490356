/* notify_server: keeps every case event once, schedules and fires the
 * timers, and has the deliveries made. */
#include "notify_server.h"

#include "notify_posting.h"
#include "notify_subs.h"
#include "notify_subscribe.h"
#include "notify_text.h"
#include "rongyu.pb-c.h"
#include "ry_calendar.h"
#include "ry_clock.h"
#include "ry_daemon.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_reply.h"
#include "ry_str.h"
#include "ry_text.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify_server {
    ry_config_t cfg;
    notify_config_t nc;
    ry_store_t *store;
    ry_channel_t *channel;
    ry_campaigns_t *campaigns;
    ry_calendar_t *cal;
    notify_subs_t *subs;
    notify_deliver_t *deliver;
    notify_plan_t plan;
    int64_t subs_checked, planned; /* monotonic ms of the last look */
    uint64_t fired;                /* timers fired by this process */
    /* The last firing round failed (a store error): said once, and no
     * round is tried before fire_retry_at (monotonic ms). */
    bool fire_failing;
    int64_t fire_retry_at;
    /* RONGYU_NOTIFY_FAULT=events_unreadable:N (tests): firing rounds left
     * to fail before the case events read again (0: they never do). */
    unsigned long fault_rounds;
    char admit[1200];              /* the ZAP handler's directory */
};

/* ------------------------------------------------------------ notices */

static const char *
s_campaign_name(notify_server_t *self, const char *id)
{
    const ry_campaign_t *c = ry_campaigns_find(self->campaigns, id);
    return c ? ry_campaign_name(c) : NULL;
}

/* The units a campaign's summary_remind, summary_due or
 * nomination_posting_last_start_remind leaves out as it fires: those
 * whose deadline the city extended beyond the campaign's, which have their
 * own (notify_extensions). Sets *units (NULL: none; the caller frees with
 * notify_extensions_free) and *n. Returns 0 or RY_EIO. */
static int
s_left_out(ry_txn_t *txn, const Rongyu__NotifyTimer *t, char ***units,
           size_t *n)
{
    *units = NULL;
    *n = 0;
    bool summary = strcmp(t->kind, "summary_remind") == 0 ||
                   strcmp(t->kind, "summary_due") == 0;
    bool nomination =
        strcmp(t->kind, "nomination_posting_last_start_remind") == 0;
    if (*t->case_id || (!summary && !nomination))
        return 0;
    return notify_extensions_except(
        txn, t->campaign_id, summary ? t->deadline : t->submit_by, units, n);
}

static int
s_fire(void *arg, ry_txn_t *txn, const Rongyu__NotifyTimer *t, int64_t now)
{
    notify_server_t *self = arg;
    char **left_out;
    size_t nleft_out;
    int rc = s_left_out(txn, t, &left_out, &nleft_out);
    if (rc)
        return rc;
    notify_notice_t n = {
        .notice_id = t->timer_id,
        .kind = t->kind,
        .campaign_id = t->campaign_id,
        .campaign_name = s_campaign_name(self, t->campaign_id),
        .deadline = t->deadline,
        .workdays_before = (int)t->workdays_before,
        .at_ms = t->due_ms,
        .ev = t->event,
        .case_id = t->case_id,
        .submit_by = t->submit_by,
        .posting_workdays = (int)t->posting_workdays,
        /* Its event, when it names one, as notify_events_attach read it. */
        .event_key = t->event && t->event_key.len ? t->event_key.data : NULL,
        .event_key_len = t->event_key.len,
        .event_no_checks = true,
        .left_out = left_out,
        .nleft_out = nleft_out,
    };
    rc = notify_deliver_enqueue(self->deliver, txn, &n,
                                (const char *const *)t->targets, t->n_targets,
                                self->subs, now, NULL);
    notify_extensions_free(left_out, nleft_out);
    return rc;
}

/* Events are kept under "sender\0seq": the channel applies each sequence
 * number once, so each event is stored, announced and planned once. */
static int
s_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    notify_server_t *self = ctx;
    if (msg->type == RONGYU__MESSAGE_TYPE__KEY_GRANT)
        return notify_readers_apply(txn, self->admit, msg->payload, msg->len);
    if (msg->type == RONGYU__MESSAGE_TYPE__DEADLINE_EXTENSION)
        return notify_extensions_apply(txn, &self->plan, self->campaigns,
                                       msg->payload, msg->len,
                                       ry_clock_now_ms());
    if (msg->type != RONGYU__MESSAGE_TYPE__CASE_EVENT)
        return RY_EINVAL;
    Rongyu__CaseEvent *ev = (Rongyu__CaseEvent *)ry_pb_unpack(
        &rongyu__case_event__descriptor, msg->payload, msg->len, 0);
    if (!ev || !*ev->case_id) {
        ry_pb_free(&ev);
        return RY_EMALFORMED;
    }
    uint8_t key[NOTIFY_EVENT_KEY_MAX];
    size_t klen = notify_events_key(key, msg->sender, msg->seq);
    int rc = notify_events_put(txn, key, klen, msg->payload, msg->len);

    char id[128], name[64], kind[80];
    char seq[RY_STR_U64];
    ry_str_cat(id, sizeof id, "event|", (const char *)key, "|",
               ry_str_u64(seq, msg->seq), (char *)NULL);
    int64_t now = ry_clock_now_ms();
    const ry_campaign_t *camp =
        ry_campaigns_find(self->campaigns, ev->campaign_id);
    if (!rc && notify_posting_is_draft(ev)) {
        /* A draft: its posting's timers and notice, nothing else. */
        rc = notify_posting_on_draft(txn, &self->plan, camp, ev, id,
                                     self->deliver, self->subs, now);
        if (!rc)
            ry_info(ev->case_id, "event %s (%s): a draft's posting",
                    ev->event, ev->organising_unit);
        ry_pb_free(&ev);
        return rc;
    }
    notify_event_name(ev->event, name, sizeof name);
    ry_str_cat(kind, sizeof kind, "case_", name, (char *)NULL);
    notify_notice_t note = {
        .notice_id = id,
        .kind = kind,
        .campaign_id = ev->campaign_id,
        .campaign_name = s_campaign_name(self, ev->campaign_id),
        .deadline = "",
        .at_ms = ev->at_ms,
        .ev = ev,
        .event_key = key,
        .event_key_len = klen,
    };
    const char *to[] = {ev->applicant_org, ev->organising_unit};
    unsigned made = 0;
    if (!rc)
        rc = notify_deliver_enqueue(self->deliver, txn, &note, to, 2,
                                    self->subs, now, &made);
    if (!rc)
        rc = notify_posting_cancel(txn, ev->case_id, "the case is no longer "
                                                     "a draft");
    if (!rc)
        rc = notify_plan_case(txn, &self->plan, camp, ev, key, klen, now);
    /* One line per event at info; its timers and an unasked notice are
     * debug lines. */
    if (!rc)
        ry_info(ev->case_id, "event %s (%s): %u deliveries", ev->event,
                ev->organising_unit, made);
    ry_pb_free(&ev);
    return rc;
}

/* ------------------------------------------------------------ requests */

/* The fixed texts of r's code (ry_reply). */
static void
s_texts(Rongyu__Reply *r)
{
    r->message_zh = (char *)ry_reply_text(r->code, true);
    r->message_en = (char *)ry_reply_text(r->code, false);
}

/* The answer to a request the store failed: a full disk is E_BUSY and
 * says so (it is taken again once there is room), anything else
 * E_INTERNAL. */
static void
s_store_failed(Rongyu__Reply *r, int rc)
{
    if (rc == -ENOSPC || rc == -EDQUOT) {
        r->code = RONGYU__ERROR_CODE__E_BUSY;
        r->retry_after_ms = 1000;
        r->detail =
            (char *)"存储磁盘已满，未保存任何内容，请稍后重试。The disk "
                    "of the store is full (No space left on device); "
                    "nothing was stored.";
    } else {
        r->code = RONGYU__ERROR_CODE__E_INTERNAL;
        r->detail = (char *)"存储出错。The store failed.";
    }
    s_texts(r);
}

/* A listing's filter that names no value there can be: 0 when q's state
 * and channel are empty or among those that exist (a timer's states with
 * timers), else -1 with the reason in why and the field in path. */
static int
s_filters_check(const Rongyu__NotificationsRequest *q, char *why, size_t cap,
                const char **path)
{
    static const char *const deliveries[] = {"pending", "sent", "failed"};
    static const char *const timers[] = {"pending", "fired", "cancelled",
                                         "skipped", "failed"};
    static const char *const channels[] = {"pub", "webhook", "email"};
    const char *const *states = q->timers ? timers : deliveries;
    size_t nstates = q->timers ? 5 : 3;
    bool state_ok = !*q->state, channel_ok = !*q->channel;
    for (size_t i = 0; i < nstates; i++)
        state_ok = state_ok || strcmp(q->state, states[i]) == 0;
    for (size_t i = 0; i < 3; i++)
        channel_ok = channel_ok || strcmp(q->channel, channels[i]) == 0;
    if (!state_ok) {
        *path = "notifications.state";
        snprintf(why, cap,
                 "notifications.state: 「%.64s」不是%s的状态（%s）。"
                 "notifications.state: '%.64s' is not a state of %s (%s)",
                 q->state, q->timers ? "定时提醒" : "投递",
                 q->timers ? "pending、fired、cancelled、skipped、failed"
                           : "pending、sent、failed",
                 q->state, q->timers ? "timers" : "deliveries",
                 q->timers ? "pending, fired, cancelled, skipped, failed"
                           : "pending, sent, failed");
    } else if (!channel_ok) {
        *path = "notifications.channel";
        snprintf(why, cap,
                 "notifications.channel: 「%.64s」不是投递渠道（pub、webhook、"
                 "email）。notifications.channel: '%.64s' is not a channel "
                 "(pub, webhook, email)",
                 q->channel, q->channel);
    } else
        return 0;
    ry_text_utf8_scrub(why); /* a value cut inside a character */
    return -1;
}

static int
s_on_request(void *ctx, ry_txn_t *txn, const uint8_t *data, size_t len,
             uint8_t **reply, size_t *reply_len)
{
    notify_server_t *self = ctx;
    Rongyu__Reply r = RONGYU__REPLY__INIT;
    char unsupported[400];
    Rongyu__NotificationsReply nr = RONGYU__NOTIFICATIONS_REPLY__INIT;
    Rongyu__FeedReplayReply fr = RONGYU__FEED_REPLAY_REPLY__INIT;
    Rongyu__Request *req = data ? (Rongyu__Request *)ry_pb_unpack(
                                      &rongyu__request__descriptor, data, len,
                                      0)
                                : NULL;
    int rc = 0;
    /* Readable only with a reader's key, checked on every request (a
     * revocation holds from the next one on). */
    int kc = notify_readers_check(txn, ry_channel_request_key(self->channel));
    if (kc && kc != RY_ENOTFOUND)
        rc = kc;
    /* Every text UTF-8 and bounded, every identifier within its bound,
     * every enum one of its values, as intake takes them: refused here,
     * naming the field, before anything is read or stored. */
    char bad[400] = "", path[160] = "";
    const char *filter = "";
    if (req &&
        ry_text_check_request(&req->base, req->request_id, bad, sizeof bad,
                              path, sizeof path) == 0 &&
        ry_text_check_fields(&req->base, bad, sizeof bad, path, sizeof path) ==
            0)
        bad[0] = '\0';
    r.request_id = (char *)ry_text_request_id_echo(req ? req->request_id : "");
    if (kc == RY_ENOTFOUND) {
        r.code = RONGYU__ERROR_CODE__E_UNAUTHENTICATED;
        r.detail = (char *)"此密钥无权查看通知（仅市总工会与平台的密钥可以）。"
                           "This key may not read notifications (only the "
                           "city's and the platform's keys may).";
    } else if (!req) {
        r.code = RONGYU__ERROR_CODE__E_MALFORMED;
        snprintf(unsupported, sizeof unsupported,
                 "收到的 %zu 字节不是 rongyu.Request。%zu bytes that "
                 "are not a rongyu.Request",
                 len, len);
        r.detail = unsupported;
    } else if (bad[0]) {
        r.code = RONGYU__ERROR_CODE__E_INVALID;
        r.detail = bad;
        r.field_path = path;
    } else if (req->body_case == RONGYU__REQUEST__BODY_NOTIFICATIONS &&
               s_filters_check(req->notifications, bad, sizeof bad, &filter) !=
                   0) {
        r.code = RONGYU__ERROR_CODE__E_INVALID;
        r.detail = bad;
        r.field_path = (char *)filter;
    } else if (req->body_case == RONGYU__REQUEST__BODY_NOTIFICATIONS ||
               req->body_case == RONGYU__REQUEST__BODY_FEED_REPLAY) {
        /* As the key's principal, narrowed by what the request states:
         * one acting for an organisation reads its own alone. */
        Rongyu__KeyRecord *key = NULL;
        const char *own = "";
        rc = notify_readers_get(txn, ry_channel_request_key(self->channel),
                                &key);
        if (!rc &&
            notify_subscribe_scope(req, key, &own, reply, reply_len) != 0) {
            ry_pb_free(&key);
            ry_pb_free(&req);
            return -1;
        }
        if (!rc && req->body_case == RONGYU__REQUEST__BODY_NOTIFICATIONS) {
            Rongyu__NotificationsRequest q = *req->notifications;
            if (*own)
                q.org = (char *)own;
            rc = q.timers ? notify_timers_list(txn, q.state, "", q.after_id,
                                               q.limit, &nr)
                          : notify_deliver_list(txn, &q, &nr);
            r.body_case = RONGYU__REPLY__BODY_NOTIFICATIONS;
            r.notifications = &nr;
        } else if (!rc) {
            Rongyu__FeedReplayRequest q = *req->feed_replay;
            if (*own)
                q.topic = (char *)own;
            rc = notify_deliver_replay(txn, &q, &fr);
            r.body_case = RONGYU__REPLY__BODY_FEED_REPLAY;
            r.feed_replay = &fr;
        }
        ry_pb_free(&key);
    } else if (req->body_case == RONGYU__REQUEST__BODY_SUBSCRIBE ||
               req->body_case == RONGYU__REQUEST__BODY_SUBSCRIPTIONS ||
               req->body_case == RONGYU__REQUEST__BODY_UNSUBSCRIBE) {
        /* As the key's principal, narrowed by what the request states. */
        Rongyu__KeyRecord *key = NULL;
        rc = notify_readers_get(txn, ry_channel_request_key(self->channel),
                                &key);
        if (!rc)
            rc = notify_subscribe_request(txn, req, key, self->subs,
                                          ry_clock_now_ms(), reply, reply_len);
        ry_pb_free(&key);
        ry_pb_free(&req);
        if (rc < -1) {
            Rongyu__Reply e = RONGYU__REPLY__INIT;
            s_store_failed(&e, rc);
            *reply = ry_pb_pack(&e.base, reply_len);
            return rc == RY_EFULL ? RY_EFULL : -1;
        }
        return rc; /* 0: keep the subscription's writes */
    } else if (req->body_case == RONGYU__REQUEST__BODY__NOT_SET) {
        r.code = RONGYU__ERROR_CODE__E_UNSUPPORTED;
        ry_reply_no_body(&req->base, unsupported, sizeof unsupported);
        r.detail = unsupported;
    } else {
        r.code = RONGYU__ERROR_CODE__E_UNSUPPORTED;
        snprintf(unsupported, sizeof unsupported,
                 "通知服务只受理通知查询、订阅重放与订阅管理请求，请求 %d "
                 "应发往 intake。Notification answers only notifications, "
                 "feed_replay, subscribe, subscriptions and unsubscribe; "
                 "request body %d is intake's.",
                 (int)req->body_case, (int)req->body_case);
        r.detail = unsupported;
    }
    if (rc) {
        r.body_case = RONGYU__REPLY__BODY__NOT_SET;
        s_store_failed(&r, rc);
    }
    s_texts(&r);
    *reply = ry_pb_pack(&r.base, reply_len);
    notify_deliver_reply_clear(&nr);
    notify_deliver_reply_clear_feed(&fr);
    ry_pb_free(&req);
    /* Nothing is written: drop the (empty) nested transaction. */
    return -1;
}

/* ------------------------------------------------------------ lifecycle */

typedef int (*s_write_fn)(notify_server_t *self, ry_txn_t *txn, void *arg);

typedef struct {
    notify_server_t *self;
    s_write_fn fn;
    void *arg;
    uint64_t mark; /* the log before the first attempt */
    int fn_rc;     /* fn's at the last attempt */
} s_write_t;

static int
s_write_call(ry_txn_t *txn, void *arg)
{
    s_write_t *w = arg;
    ry_log_rewind(w->mark); /* the lines of an attempt undone before */
    w->fn_rc = w->fn(w->self, txn, w->arg);
    return w->fn_rc;
}

/* Runs fn in a write transaction and commits, growing the map when it is
 * full. Its log lines go out after the commit, and not at all when fn
 * failed (a timer said fired in a round that failed was not); the
 * caller reports that error. */
static int
s_write(notify_server_t *self, s_write_fn fn, void *arg)
{
    ry_log_hold();
    s_write_t w = {self, fn, arg, ry_log_mark(), 0};
    int rc =
        ry_store_write(self->store, self->cfg.max_map_size, s_write_call, &w);
    if (rc && w.fn_rc)
        ry_log_rewind(w.mark);
    ry_log_flush();
    return rc;
}

static int
s_plan_all(notify_server_t *self, ry_txn_t *txn, void *arg)
{
    (void)arg;
    int64_t now = ry_clock_now_ms();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ry_campaigns_count(self->campaigns);
         i++) {
        const ry_campaign_t *c = ry_campaigns_at(self->campaigns, i);
        rc = notify_plan_campaign(txn, &self->plan, c, now, NULL);
        if (!rc)
            rc = notify_posting_plan_campaign(txn, &self->plan, c, now, NULL);
    }
    return rc;
}

static int
s_reindex(notify_server_t *self, ry_txn_t *txn, void *arg)
{
    (void)self;
    (void)arg;
    bool rebuilt;
    int rc = notify_subscribe_reindex(txn, &rebuilt);
    if (!rc && rebuilt)
        ry_info(NULL, "the subscriptions' index by organisation built");
    return rc;
}

static int
s_plan_failed(notify_server_t *self, ry_txn_t *txn, void *arg)
{
    (void)arg;
    unsigned n = 0;
    int rc = notify_plan_failed(txn, &self->plan, self->campaigns,
                                ry_clock_now_ms(), &n);
    if (!rc && n)
        ry_info(NULL, "%u failed reminders planned again", n);
    return rc;
}

/* Case events come from intake alone. */
static const char *const s_peers[] = {"intake", NULL};

int
notify_server_new(const ry_config_t *cfg, const notify_config_t *nc,
                  notify_server_t **out)
{
    *out = NULL;
    notify_server_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->cfg = *cfg;
    int rc = 0;
    char err[600];
    if (nc)
        self->nc = *nc;
    else if ((rc = notify_config_load(&self->nc, cfg, err, sizeof err)))
        ry_error(NULL, "%s", err);
    static const char *const tables[] = {NOTIFY_TABLES, NULL};
    char dir[600];
    if (!rc)
        rc = ry_config_store_dir(cfg, RY_SVC_NOTIFICATION, dir, sizeof dir);
    if (!rc)
        rc = ry_store_open(&self->store, dir, cfg->map_size, tables);
    if (!rc && strncmp(self->nc.fault, "events_unreadable:", 18) == 0) {
        self->fault_rounds = strtoul(self->nc.fault + 18, NULL, 10);
        ry_warn(NULL,
                "fault injection: the case events do not read for %lu "
                "firing rounds",
                self->fault_rounds);
        ry_store_fail_reads(self->store, NOTIFY_EVENT_TABLES, NULL, 0);
    }
    /* Peers: intake alone; requests and feed: the readers intake names. */
    ry_keys_t *keys = NULL;
    if (!rc)
        rc = ry_keys_serve(cfg->home, "notification", s_peers, &keys);
    if (!rc) {
        snprintf(self->admit, sizeof self->admit, "%s",
                 ry_keys_admit_dir(keys));
        rc = notify_readers_admit(self->store, self->admit);
        if (rc)
            ry_keys_destroy(&keys);
    }
    const ry_keys_t *borrowed = keys;
    ry_channel_opts_t o = {
        .self_id = ry_service_name(RY_SVC_NOTIFICATION),
        .store = self->store,
        .max_map_size = cfg->max_map_size,
        .max_request = 1u << 20,
        .client_queue_bytes = cfg->client_queue_bytes,
        .client_conns_per_key = cfg->client_conns_per_key,
        .round_ms = cfg->round_ms[RY_SVC_NOTIFICATION],
        .on_message = s_on_message,
        .on_request = s_on_request,
        .ctx = self,
        .peers = s_peers,
        .keys = keys,
    };
    if (!rc)
        rc = ry_channel_new(&o, &self->channel);
    if (!rc)
        rc = ry_channel_bind_peers(self->channel,
                                   cfg->bind[RY_SVC_NOTIFICATION]);
    if (!rc)
        rc = ry_channel_bind_clients(self->channel, self->nc.client_bind);
    if (!rc)
        rc = ry_daemon_campaigns(cfg, &self->campaigns);
    if (!rc)
        rc = ry_daemon_calendar(cfg, &self->cal);
    if (!rc)
        notify_subs_new(self->nc.subscribers, &self->subs);
    if (!rc)
        rc = notify_deliver_new(self->store, cfg->max_map_size, &self->nc,
                                self->campaigns, borrowed, &self->deliver);
    self->plan = (notify_plan_t){self->cal, self->nc.remind_workdays,
                                 self->nc.remind_hour,
                                 self->nc.posting_workdays};
    if (!rc && (rc = s_write(self, s_reindex, NULL)) != 0)
        ry_error(NULL, "the subscriptions cannot be indexed: %s",
                 ry_strerror(rc));
    if (!rc && (rc = s_write(self, s_plan_all, NULL)) != 0)
        ry_error(NULL, "the campaigns' timers cannot be scheduled: %s",
                 ry_strerror(rc));
    /* The reminders the calendar could not tell before, once per start
     * (a year added to the calendar directory is read at start). */
    if (!rc && (rc = s_write(self, s_plan_failed, NULL)) != 0)
        ry_error(NULL, "the failed reminders cannot be planned again: %s",
                 ry_strerror(rc));
    if (rc) {
        ry_error(NULL, "notification cannot start: %s", ry_strerror(rc));
        notify_server_destroy(&self);
        return rc;
    }
    self->planned = ry_clock_mono_ms();
    self->subs_checked = self->planned;
    ry_info(NULL,
            "notification: feed %s, store %s, "
            "subscribers %s (%zu), reminders %d working days before at "
            "%02d:00, e-mail %s",
            notify_deliver_pub_endpoint(self->deliver), dir,
            self->nc.subscribers, notify_subs_count(self->subs),
            self->nc.remind_workdays, self->nc.remind_hour,
            self->nc.smtp_url[0] ? self->nc.smtp_url : "(none)");
    *out = self;
    return 0;
}

ry_channel_t *
notify_server_channel(notify_server_t *self)
{
    return self->channel;
}

const char *
notify_server_client_endpoint(const notify_server_t *self)
{
    return ry_channel_client_endpoint(self->channel);
}

const char *
notify_server_pub_endpoint(const notify_server_t *self)
{
    return notify_deliver_pub_endpoint(self->deliver);
}

void
notify_server_destroy(notify_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_server_t *self = *self_p;
    notify_deliver_destroy(&self->deliver);
    ry_channel_destroy(&self->channel);
    notify_subs_destroy(&self->subs);
    ry_calendar_destroy(&self->cal);
    ry_campaigns_destroy(&self->campaigns);
    ry_store_destroy(&self->store);
    free(self);
    *self_p = NULL;
}

/* ------------------------------------------------------------ the loop */

static void
s_fault(notify_server_t *self, const char *point)
{
    size_t n = strlen(point);
    const char *f = self->nc.fault;
    if (strncmp(f, point, n) == 0 && f[n] == ':' &&
        self->fired >= strtoull(f + n + 1, NULL, 10)) {
        ry_warn(NULL, "fault injection: killing at %s", f);
        ry_log_flush();
        raise(SIGKILL);
    }
}

typedef struct {
    int64_t now;
    unsigned fired;
} s_fire_t;

static int
s_fire_round(notify_server_t *self, ry_txn_t *txn, void *arg)
{
    s_fire_t *f = arg;
    int rc = notify_timers_fire_due(txn, f->now, 64, s_fire, self, &f->fired);
    if (rc == 0 && f->fired) {
        self->fired += f->fired;
        s_fault(self, "before_fire_commit");
    }
    return rc;
}

/* No due timer fails to fire (any more): said once after a failure. */
static void
s_fire_recovered(notify_server_t *self)
{
    if (self->fire_failing)
        ry_info(NULL, "due timers fire again");
    self->fire_failing = false;
}

int
notify_server_run_once(notify_server_t *self, int max_wait_ms)
{
    int64_t mono = ry_clock_mono_ms();
    if (mono - self->subs_checked >= 500) {
        self->subs_checked = mono;
        notify_subs_reload(self->subs);
    }
    if (mono - self->planned >= 10000) {
        self->planned = mono;
        int prc = s_write(self, s_plan_all, NULL);
        if (prc)
            ry_error(NULL,
                     "campaign timers not planned: %s; tried again "
                     "in 10 s",
                     ry_strerror(prc));
    }
    int64_t now = ry_clock_now_ms();
    int64_t next_timer = INT64_MAX;
    ry_txn_t *txn;
    int rc = ry_txn_begin(self->store, NULL, false, &txn);
    if (!rc) {
        rc = notify_timers_next_due(txn, &next_timer);
        ry_txn_abort(&txn);
    }
    if (rc)
        return RY_EIO;
    if (next_timer <= now && mono >= self->fire_retry_at) {
        s_fire_t f = {now, 0};
        rc = s_write(self, s_fire_round, &f);
        if (rc) {
            /* Nothing of the round was kept. Said once, and tried again
             * a second later rather than at every turn of the loop. */
            if (!self->fire_failing)
                ry_error(NULL,
                         "due timers not fired: %s; tried again each "
                         "second until they are",
                         ry_strerror(rc));
            else
                ry_debug(NULL, "due timers not fired again: %s",
                         ry_strerror(rc));
            self->fire_failing = true;
            self->fire_retry_at = ry_clock_mono_ms() + 1000;
            if (self->fault_rounds && --self->fault_rounds == 0) {
                ry_warn(NULL, "fault injection: the case events read again");
                ry_store_fail_reads(self->store, NULL, NULL, 0);
            }
        } else {
            s_fire_recovered(self);
            if (f.fired)
                s_fault(self, "after_fire");
        }
        next_timer = f.fired == 64 ? now : INT64_MAX;
        if (next_timer != now) {
            if (ry_txn_begin(self->store, NULL, false, &txn) == 0) {
                notify_timers_next_due(txn, &next_timer);
                ry_txn_abort(&txn);
            }
        }
    }
    notify_deliver_pump(self->deliver, now);

    /* Sleep until the next thing falls due, in real time. */
    int wait = max_wait_ms;
    if (notify_deliver_active(self->deliver) && wait > 10)
        wait = 10;
    if (next_timer > now)
        s_fire_recovered(self); /* what failed may have been cancelled */
    if (next_timer <= now && self->fire_failing) {
        /* Due but failing: the next try, in real time. */
        next_timer = INT64_MAX;
        int64_t left = self->fire_retry_at - ry_clock_mono_ms();
        if (left < wait)
            wait = left > 0 ? (int)left : 0;
    }
    double speed = ry_clock_speed();
    int64_t dues[] = {next_timer, notify_deliver_next_due(self->deliver)};
    for (int i = 0; i < 2; i++) {
        if (dues[i] == INT64_MAX)
            continue;
        int64_t delta = dues[i] - now;
        if (delta <= 0)
            wait = 0;
        else if (speed > 0 && (double)delta / speed < wait)
            wait = (int)((double)delta / speed) + 1;
    }
    rc = ry_channel_run_once(self->channel, wait);
    notify_deliver_pump(self->deliver, ry_clock_now_ms());
    return rc;
}

void
notify_server_loop(notify_server_t *self, volatile int *stop)
{
    while (!*stop)
        notify_server_run_once(self, 200);
}
