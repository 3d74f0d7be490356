/* notify_deliver: the delivery log, the feed and the delivery engine.
 *
 * Tables:
 *   deliveries  be64(id) -> Delivery
 *   dq          be64(next_attempt_ms) be64(id) -> "" (pending ones only)
 *   attempts    be64(id) be64(n) -> DeliveryAttempt
 *   feed        be64(seq) -> FeedItem
 *   meta        "delivery_seq" | "feed_seq" | "feed_seq|<topic>"
 *               -> be64 last used (the last: per topic, FeedItem.topic_seq)
 * A delivery and a feed item name their notice (notify_notices) and hold
 * none of its prose: a webhook's body, a mail's subject and text and a
 * feed item's body are rendered from the notice when sent or read. Rows
 * written before this hold their prose, which is used as it is.
 */
#include "notify_deliver.h"

#include "notify_notices.h"
#include "notify_subscribe.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_hmac.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_pub.h"
#include "ry_text.h"
#include "ry_xfer.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify_deliver {
    ry_store_t *store;
    size_t max_map_size;
    const ry_campaigns_t *camps; /* the organising units */
    notify_config_t nc;
    ry_xfer_t *xfer;
    ry_pub_t *pub;
    uint64_t *inflight;
    char (*inflight_org)[RY_ORG_ID_MAX + 1]; /* each one's organisation */
    unsigned ninflight;
    uint64_t published; /* feed items up to here were published */
    uint64_t completed; /* transfers finished, for fault injection */
    int64_t next_due;   /* cached by the last pump; INT64_MAX: none */
};

/* ------------------------------------------------------------ helpers */

static int
s_put_msg(ry_txn_t *txn, const char *table, const void *key, size_t klen,
          const ProtobufCMessage *m)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(m, &len);
    int rc = ry_txn_put(txn, table, key, klen, buf, len, 0);
    free(buf);
    return rc;
}

static void
s_dq_key(uint8_t key[16], int64_t at, uint64_t id)
{
    ry_be64_put(key, (uint64_t)(at < 0 ? 0 : at));
    ry_be64_put(key + 8, id);
}

static int
s_attempt_log(ry_txn_t *txn, uint64_t id, uint32_t n, int64_t at, bool ok,
              long status, const char *error)
{
    Rongyu__DeliveryAttempt a = RONGYU__DELIVERY_ATTEMPT__INIT;
    a.delivery_id = id;
    a.n = n;
    a.at_ms = at;
    a.ok = ok;
    a.status = (int32_t)status;
    a.error = (char *)(error ? error : "");
    uint8_t key[16];
    ry_be64_put(key, id);
    ry_be64_put(key + 8, n);
    return s_put_msg(txn, "attempts", key, 16, &a.base);
}

static Rongyu__Delivery *
s_get_delivery(ry_txn_t *txn, uint64_t id)
{
    uint8_t key[8];
    ry_be64_put(key, id);
    ry_val_t v;
    if (ry_txn_get(txn, "deliveries", key, 8, &v) != 0)
        return NULL;
    return (Rongyu__Delivery *)ry_pb_unpack(&rongyu__delivery__descriptor,
                                            v.data, v.len, 0);
}

static int
s_put_delivery(ry_txn_t *txn, const Rongyu__Delivery *d)
{
    uint8_t key[8];
    ry_be64_put(key, d->id);
    return s_put_msg(txn, "deliveries", key, 8, &d->base);
}

/* ------------------------------------------------------------ lifecycle */

typedef struct {
    uint64_t seq;
} s_last_t;

int
notify_deliver_new(ry_store_t *store, size_t max_map_size,
                   const notify_config_t *nc, const ry_campaigns_t *camps,
                   const ry_keys_t *keys, notify_deliver_t **out)
{
    *out = NULL;
    notify_deliver_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->store = store;
    self->max_map_size = max_map_size;
    self->camps = camps;
    self->nc = *nc;
    self->next_due = 0;
    self->inflight = calloc(nc->max_active ? nc->max_active : 16,
                            sizeof *self->inflight);
    self->inflight_org = calloc(nc->max_active ? nc->max_active : 16,
                                sizeof *self->inflight_org);
    if (!self->inflight || !self->inflight_org)
        abort();
    int rc = ry_xfer_new(nc->max_active, nc->timeout_ms, &self->xfer);
    if (!rc && nc->pub_bind[0])
        rc = ry_pub_new(nc->pub_bind, keys, &self->pub);
    if (!rc) {
        /* What was committed before this start is replayable; live
         * publishing starts after it. */
        ry_txn_t *txn;
        rc = ry_txn_begin(store, NULL, false, &txn);
        ry_val_t k, v;
        if (!rc) {
            int lr = ry_txn_last(txn, "feed", NULL, 0, &k, &v);
            if (lr == 0 && k.len == 8)
                self->published = ry_be64_get(k.data);
            ry_txn_abort(&txn);
        }
    }
    if (rc) {
        notify_deliver_destroy(&self);
        return rc;
    }
    *out = self;
    return 0;
}

void
notify_deliver_destroy(notify_deliver_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_deliver_t *self = *self_p;
    ry_xfer_destroy(&self->xfer);
    ry_pub_destroy(&self->pub);
    free(self->inflight);
    free(self->inflight_org);
    free(self);
    *self_p = NULL;
}

const char *
notify_deliver_pub_endpoint(const notify_deliver_t *self)
{
    return self->pub ? ry_pub_endpoint(self->pub) : "";
}

unsigned
notify_deliver_active(const notify_deliver_t *self)
{
    return self->ninflight;
}

/* ------------------------------------------------------------ enqueue */

typedef struct {
    const char *org, *channel, *target;
} s_seen_t;

int
notify_deliver_enqueue(notify_deliver_t *self, ry_txn_t *txn,
                       const notify_notice_t *n, const char *const *targets,
                       size_t ntargets, const notify_subs_t *subs,
                       int64_t now, unsigned *count)
{
    unsigned made = 0;
    /* Stored for the first subscriber it goes to: most notices have
     * none. */
    uint64_t notice = 0;
    /* The operator's file, then the subscriptions made by request. */
    size_t nfile = notify_subs_count(subs), nstored = 0;
    notify_sub_t *stored = NULL;
    int rc = notify_subscribe_load(txn, self->camps, targets, ntargets, &stored,
                                   &nstored);
    size_t nsubs = nfile + nstored;
    s_seen_t *seen = calloc(nsubs * 3 + 1, sizeof *seen);
    if (!seen)
        abort();
    size_t nseen = 0;
    for (size_t i = 0; rc == 0 && i < nsubs; i++) {
        const notify_sub_t *s =
            i < nfile ? notify_subs_at(subs, i) : &stored[i - nfile];
        bool match = false, out = false;
        for (size_t k = 0; k < n->nleft_out; k++)
            out = out || strcmp(n->left_out[k], s->org) == 0;
        /* A target by role does not reach one the notice leaves out. */
        for (size_t t = 0; !match && t < ntargets; t++)
            match = targets[t] && *targets[t] &&
                    !(out && targets[t][0] == '@') &&
                    notify_sub_matches(s, targets[t]);
        if (!match)
            continue;
        for (int ch = 0; rc == 0 && ch < 3; ch++) {
            const char *channel = ch == 0 ? "pub" : ch == 1 ? "webhook"
                                                            : "email";
            const char *target = ch == 0 ? s->org : ch == 1 ? s->url
                                                            : s->email;
            /* A feed subscription notify_sub_feed_ok refuses may have
             * been stored before: it makes no item. */
            if ((ch == 0 && (!s->pub || !notify_sub_feed_ok(s->org))) ||
                (ch != 0 && !*target))
                continue;
            bool dup = false;
            for (size_t k = 0; !dup && k < nseen; k++)
                dup = strcmp(seen[k].org, s->org) == 0 &&
                      strcmp(seen[k].channel, channel) == 0 &&
                      strcmp(seen[k].target, target) == 0;
            if (dup)
                continue;
            seen[nseen++] = (s_seen_t){s->org, channel, target};
            if (!notice && (rc = notify_notices_put(txn, n, &notice)) != 0)
                break;

            Rongyu__Delivery d = RONGYU__DELIVERY__INIT;
            rc = ry_txn_next(txn, "meta", "delivery_seq", &d.id);
            if (rc)
                break;
            d.notice = notice;
            d.notice_id = (char *)n->notice_id;
            d.kind = (char *)n->kind;
            d.org = (char *)s->org;
            d.channel = (char *)channel;
            d.target = (char *)target;
            d.created_ms = now;
            d.next_attempt_ms = now;
            d.case_id = (char *)notify_notice_case(n);
            d.state = "pending";
            if (ch == 0) {
                Rongyu__FeedItem fi = RONGYU__FEED_ITEM__INIT;
                rc = ry_txn_next(txn, "meta", "feed_seq", &fi.seq);
                char tk[sizeof "feed_seq|" + RY_ORG_ID_MAX];
                snprintf(tk, sizeof tk, "feed_seq|%s", s->org);
                if (!rc)
                    rc = ry_txn_next(txn, "meta", tk, &fi.topic_seq);
                fi.topic = (char *)s->org;
                fi.notice = notice;
                fi.at_ms = now;
                uint8_t fk[8];
                ry_be64_put(fk, fi.seq);
                if (!rc)
                    rc = s_put_msg(txn, "feed", fk, 8, &fi.base);
                d.feed_seq = fi.seq;
                d.state = "sent";
                d.attempts = 1;
                d.done_ms = now;
                if (!rc)
                    rc = s_attempt_log(txn, d.id, 1, now, true, 0, "");
            } else if (ch == 2 && !self->nc.smtp_url[0]) {
                d.state = "failed";
                d.done_ms = now;
                d.last_error = "no SMTP server configured "
                               "(RONGYU_NOTIFY_SMTP_URL)";
            } else {
                if (ch == 1)
                    d.secret = (char *)s->secret;
                uint8_t key[16];
                s_dq_key(key, now, d.id);
                rc = ry_txn_put(txn, "dq", key, 16, "", 0, 0);
            }
            if (!rc)
                rc = s_put_delivery(txn, &d);
            if (!rc) {
                made++;
                ry_info(d.case_id[0] ? d.case_id : NULL,
                        "delivery %" PRIu64 ": %s to %s by %s (%s)", d.id,
                        n->notice_id, s->org, channel, d.state);
            }
        }
    }
    if (rc == 0 && made == 0)
        ry_debug(n->ev ? n->ev->case_id : NULL,
                 "notice %s: no subscriber asked for it", n->notice_id);
    free(seen);
    free(stored);
    if (count)
        *count = made;
    self->next_due = 0; /* look again at the next pump */
    return rc;
}

/* ------------------------------------------------------------ engine */

static bool
s_inflight(const notify_deliver_t *self, uint64_t id)
{
    for (unsigned i = 0; i < self->ninflight; i++)
        if (self->inflight[i] == id)
            return true;
    return false;
}

static void
s_inflight_del(notify_deliver_t *self, uint64_t id)
{
    for (unsigned i = 0; i < self->ninflight; i++)
        if (self->inflight[i] == id) {
            self->inflight[i] = self->inflight[--self->ninflight];
            memcpy(self->inflight_org[i], self->inflight_org[self->ninflight],
                   sizeof self->inflight_org[i]);
            return;
        }
}

/* The transfers one organisation may have in flight: a quarter of them
 * all (at least one), so that its receivers, slow or silent until the
 * timeout, never hold up every other organisation's (it may have 16
 * webhooks, NOTIFY_SUBSCRIBE_MAX_PER_ORG, as many as the default pool). */
static bool
s_org_busy(const notify_deliver_t *self, const char *org)
{
    unsigned cap = self->nc.max_active / 4, n = 0;
    for (unsigned i = 0; i < self->ninflight; i++)
        n += strcmp(self->inflight_org[i], org) == 0;
    return n >= (cap ? cap : 1);
}

/* Back-off before attempt n+1 after n failures, in clock milliseconds:
 * base * 2^(n-1), at most max, plus up to a tenth of jitter; scaled by
 * the clock's speed so that it is the same in real time. */
static int64_t
s_backoff(const notify_deliver_t *self, uint32_t n)
{
    int64_t b = self->nc.retry_base_ms;
    for (uint32_t i = 1; i < n && b < self->nc.retry_max_ms; i++)
        b *= 2;
    if (b > self->nc.retry_max_ms)
        b = self->nc.retry_max_ms;
    b += rand() % (b / 10 + 1);
    double speed = ry_clock_speed();
    return (int64_t)((double)b * (speed > 1 ? speed : 1));
}

static int
s_record(notify_deliver_t *self, ry_txn_t *txn, const ry_xfer_done_t *x,
         int64_t now)
{
    Rongyu__Delivery *d = s_get_delivery(txn, x->id);
    if (!d)
        return 0;
    int rc = 0;
    if (strcmp(d->state, "pending") != 0)
        goto out;
    uint8_t key[16];
    s_dq_key(key, d->next_attempt_ms, d->id);
    rc = ry_txn_del(txn, "dq", key, 16);
    if (rc == RY_ENOTFOUND)
        rc = 0;
    d->attempts++;
    if (!rc)
        rc = s_attempt_log(txn, d->id, d->attempts, now, x->ok, x->status,
                           x->error);
    char *old_state = d->state, *old_err = d->last_error;
    char err[300];
    snprintf(err, sizeof err, "%s", x->error);
    d->last_error = err;
    if (x->ok) {
        d->state = "sent";
        d->done_ms = now;
        ry_info(d->case_id[0] ? d->case_id : NULL,
                "delivery %" PRIu64 " sent by %s to %s (attempt %u)", d->id,
                d->channel, d->org, d->attempts);
    } else if (self->nc.max_attempts && d->attempts >= self->nc.max_attempts) {
        d->state = "failed";
        d->done_ms = now;
        ry_error(d->case_id[0] ? d->case_id : NULL,
                 "delivery %" PRIu64 " by %s to %s failed for good after %u "
                 "attempts: %s",
                 d->id, d->channel, d->org, d->attempts, x->error);
    } else {
        d->next_attempt_ms = now + s_backoff(self, d->attempts);
        s_dq_key(key, d->next_attempt_ms, d->id);
        if (!rc)
            rc = ry_txn_put(txn, "dq", key, 16, "", 0, 0);
        ry_warn(d->case_id[0] ? d->case_id : NULL,
                "delivery %" PRIu64 " by %s to %s: attempt %u failed (%s); "
                "next in %" PRId64 " ms (clock)",
                d->id, d->channel, d->org, d->attempts, x->error,
                d->next_attempt_ms - now);
    }
    if (!rc)
        rc = s_put_delivery(txn, d);
    d->state = old_state;
    d->last_error = old_err;
out:
    ry_pb_free(&d);
    return rc;
}

static void
s_fault(const notify_deliver_t *self, const char *point, uint64_t count)
{
    size_t n = strlen(point);
    const char *f = self->nc.fault;
    if (strncmp(f, point, n) == 0 && f[n] == ':' &&
        count >= strtoull(f + n + 1, NULL, 10)) {
        ry_warn(NULL, "fault injection: killing at %s", f);
        raise(SIGKILL);
    }
}

/* Records the finished transfers in one write transaction. */
typedef struct {
    notify_deliver_t *self;
    const ry_xfer_done_t *done;
    int n;
    int64_t now;
} s_outcomes_t;

static int
s_record_all(ry_txn_t *txn, void *arg)
{
    s_outcomes_t *o = arg;
    int rc = 0;
    for (int i = 0; rc == 0 && i < o->n; i++)
        rc = s_record(o->self, txn, &o->done[i], o->now);
    return rc;
}

static int
s_collect(notify_deliver_t *self, int64_t now)
{
    ry_xfer_done_t done[64];
    int n = 0;
    while (n < 64 && ry_xfer_next_done(self->xfer, &done[n]))
        n++;
    if (!n)
        return 0;
    self->completed += (uint64_t)n;
    s_fault(self, "after_send", self->completed);
    s_outcomes_t o = {self, done, n, now};
    int rc = ry_store_write(self->store, self->max_map_size, s_record_all, &o);
    for (int i = 0; i < n; i++)
        s_inflight_del(self, done[i].id);
    if (rc)
        ry_error(NULL, "delivery outcomes not recorded (they will be tried "
                       "again): %s",
                 ry_strerror(rc));
    self->next_due = 0;
    return rc;
}

/* What delivery d sends, rendered from its notice into r: a webhook's
 * body, a mail's subject and text (a row written before notices were
 * kept holds them; they are used as they are). Returns 0, or the error of
 * notify_notices_render. */
static int
s_prose(ry_txn_t *txn, const Rongyu__Delivery *d, notify_rendered_t *r)
{
    *r = (notify_rendered_t){NULL, NULL, NULL};
    /* A feed delivery's body is its feed item's (s_feed_body). */
    if (!d->notice || strcmp(d->channel, "pub") == 0)
        return 0;
    return notify_notices_render(txn, d->notice, d->id, d->org,
                                 strcmp(d->channel, "webhook") == 0, r);
}

/* Starts one delivery. Returns 0, RY_EAGAIN when the pool is full, or
 * the error of s_prose. */
static int
s_start(notify_deliver_t *self, ry_txn_t *txn, const Rongyu__Delivery *d)
{
    notify_rendered_t r;
    int rc = s_prose(txn, d, &r);
    if (rc)
        return rc;
    const char *body = r.json ? r.json : d->body;
    const char *subject = r.title ? r.title : d->subject;
    const char *text = r.text ? r.text : d->text;
    char idh[64];
    snprintf(idh, sizeof idh, "X-Rongyu-Delivery: %" PRIu64, d->id);
    if (strcmp(d->channel, "webhook") == 0) {
        char sig[RY_HMAC_HEXLEN], sigh[100], kind[96], notice[300];
        size_t blen = strlen(body);
        ry_hmac_sha256_hex(d->secret, strlen(d->secret), body, blen, sig);
        snprintf(sigh, sizeof sigh, "X-Rongyu-Signature: %s", sig);
        snprintf(kind, sizeof kind, "X-Rongyu-Event: %s", d->kind);
        snprintf(notice, sizeof notice, "X-Rongyu-Notice: %s", d->notice_id);
        const char *h[] = {"Content-Type: application/json; charset=utf-8",
                           "User-Agent: rongyu-notification",
                           sigh, idh, kind, notice, NULL};
        rc = ry_xfer_post(self->xfer, d->id, d->target, h, body, blen);
    } else {
        char *msg;
        size_t len;
        notify_text_mail(self->nc.mail_from, d->target, subject, text, d->id,
                         d->notice_id, d->created_ms, &msg, &len);
        rc = ry_xfer_mail(self->xfer, d->id, self->nc.smtp_url,
                          self->nc.mail_from, d->target, msg, len);
        free(msg);
    }
    notify_rendered_clear(&r);
    return rc;
}

typedef struct {
    notify_deliver_t *self;
    int64_t now;
    ry_txn_t *txn;
    int64_t next;  /* first due time not started */
    int64_t retry; /* when to try again one that could not start */
} s_pick_t;

static int
s_pick(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_pick_t *p = arg;
    if (key->len != 16)
        return 0;
    int64_t at = (int64_t)ry_be64_get(key->data);
    uint64_t id = ry_be64_get((const uint8_t *)key->data + 8);
    if (s_inflight(p->self, id))
        return 0;
    if (at > p->now || p->self->ninflight >= p->self->nc.max_active) {
        p->next = at;
        return 1;
    }
    Rongyu__Delivery *d = s_get_delivery(p->txn, id);
    if (!d)
        return 0;
    /* Its organisation has its share in flight: looked at again when one
     * of them ends (s_collect). */
    if (s_org_busy(p->self, d->org)) {
        ry_pb_free(&d);
        return 0;
    }
    int rc = s_start(p->self, p->txn, d);
    if (rc == 0) {
        snprintf(p->self->inflight_org[p->self->ninflight],
                 sizeof p->self->inflight_org[0], "%s", d->org);
        p->self->inflight[p->self->ninflight++] = id;
    } else if (rc != RY_EAGAIN) {
        ry_error(d->case_id[0] ? d->case_id : NULL,
                 "delivery %" PRIu64 " cannot start (tried again in a "
                 "second): %s",
                 id, ry_strerror(rc));
        /* Its notice may read again (a store's read error): a second on,
         * in real time, without waiting for another notice. */
        double speed = ry_clock_speed();
        p->retry = p->now + (int64_t)(1000.0 * (speed > 1 ? speed : 1));
    }
    ry_pb_free(&d);
    if (rc == RY_EAGAIN) {
        p->next = at;
        return 1;
    }
    return 0;
}

/* A feed item as it is published and replayed: its body rendered from
 * its notice (an item written before notices were kept holds it), its
 * notice's number the store's own. Returns 0 or the error of
 * notify_notices_render. */
static int
s_feed_body(ry_txn_t *txn, Rongyu__FeedItem *fi)
{
    if (!fi->notice)
        return 0;
    notify_rendered_t r;
    int rc = notify_notices_render(txn, fi->notice, 0, fi->topic, true, &r);
    if (!rc)
        ry_pb_set_string_in(fi, &fi->body, r.json);
    notify_rendered_clear(&r);
    fi->notice = 0;
    return rc;
}

typedef struct {
    notify_deliver_t *self;
    ry_txn_t *txn;
} s_publish_t;

static int
s_publish(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_publish_t *p = arg;
    notify_deliver_t *self = p->self;
    if (key->len != 8)
        return 0;
    Rongyu__FeedItem *fi = (Rongyu__FeedItem *)ry_pb_unpack(
        &rongyu__feed_item__descriptor, val->data, val->len, 0);
    if (fi) {
        /* The number a topic's subscriber sees: 1, 2, 3, ... in its topic
         * (items stored before topics were counted carry the store's). */
        uint64_t n = fi->topic_seq ? fi->topic_seq : fi->seq;
        int rc = s_feed_body(p->txn, fi);
        if (rc)
            ry_error(NULL,
                     "feed item %" PRIu64 " not published: its notice does "
                     "not read (%s); it can be replayed",
                     fi->seq, ry_strerror(rc));
        else if (ry_pub_send(self->pub, fi->topic, n, fi->body,
                             strlen(fi->body)) != 0)
            ry_warn(NULL, "feed item %" PRIu64 " not published (it can be "
                          "replayed)",
                    fi->seq);
        self->published = fi->seq;
    }
    ry_pb_free(&fi);
    return 0;
}

int
notify_deliver_pump(notify_deliver_t *self, int64_t now)
{
    ry_xfer_run(self->xfer, 0);
    int rc = s_collect(self, now);
    if (self->next_due > now && self->pub == NULL)
        return rc;
    ry_txn_t *txn;
    if (ry_txn_begin(self->store, NULL, false, &txn) != 0)
        return RY_EIO;
    if (self->next_due <= now) {
        s_pick_t p = {self, now, txn, INT64_MAX, INT64_MAX};
        ry_txn_scan(txn, "dq", NULL, 0, NULL, 0, s_pick, &p);
        self->next_due = p.next < p.retry ? p.next : p.retry;
    }
    if (self->pub) {
        uint8_t from[8];
        ry_be64_put(from, self->published + 1);
        s_publish_t p = {self, txn};
        ry_txn_scan(txn, "feed", NULL, 0, from, 8, s_publish, &p);
    }
    ry_txn_abort(&txn);
    ry_xfer_run(self->xfer, 0);
    return rc;
}

void
notify_deliver_wait(notify_deliver_t *self, int wait_ms)
{
    ry_xfer_run(self->xfer, wait_ms);
}

int64_t
notify_deliver_next_due(notify_deliver_t *self)
{
    return self->next_due;
}

/* ------------------------------------------------------------ listing */

typedef struct {
    const Rongyu__NotificationsRequest *q;
    Rongyu__NotificationsReply *r;
    ry_txn_t *txn;
    size_t cap, limit;
    int rc;
} s_list_t;

static void
s_push(void ***arr, size_t *n, size_t *cap, void *m)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *arr = realloc(*arr, sizeof **arr * *cap);
        if (!*arr)
            abort();
    }
    (*arr)[(*n)++] = m;
}

typedef struct {
    Rongyu__NotificationsReply *r;
    size_t cap;
} s_att_t;

static int
s_attempt_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_att_t *a = arg;
    Rongyu__DeliveryAttempt *m = (Rongyu__DeliveryAttempt *)ry_pb_unpack(
        &rongyu__delivery_attempt__descriptor, val->data, val->len, 0);
    if (m)
        s_push((void ***)&a->r->attempts, &a->r->n_attempts, &a->cap, m);
    return 0;
}

static int
s_list_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_list_t *l = arg;
    if (key->len != 8)
        return 0;
    Rongyu__Delivery *d = (Rongyu__Delivery *)ry_pb_unpack(
        &rongyu__delivery__descriptor, val->data, val->len, 0);
    if (!d)
        return 0;
    const Rongyu__NotificationsRequest *q = l->q;
    if ((*q->org && strcmp(q->org, d->org)) ||
        (*q->state && strcmp(q->state, d->state)) ||
        (*q->channel && strcmp(q->channel, d->channel))) {
        ry_pb_free(&d);
        return 0;
    }
    if (l->r->n_deliveries == l->limit) {
        l->r->next_after = l->r->deliveries[l->limit - 1]->id;
        ry_pb_free(&d);
        return 1;
    }
    /* The secret stays here. */
    if (*d->secret) /* heap-allocated then; "" is protobuf-c's constant */
        memset(d->secret, 0, strlen(d->secret));
    notify_rendered_t r;
    l->rc = s_prose(l->txn, d, &r);
    if (l->rc) {
        ry_pb_free(&d);
        return 1;
    }
    if (r.json)
        ry_pb_set_string_in(d, &d->body, r.json);
    else if (r.title && strcmp(d->channel, "email") == 0) {
        ry_pb_set_string_in(d, &d->subject, r.title);
        ry_pb_set_string_in(d, &d->text, r.text);
    }
    notify_rendered_clear(&r);
    d->notice = 0;
    s_push((void ***)&l->r->deliveries, &l->r->n_deliveries, &l->cap, d);
    return 0;
}

size_t
notify_deliver_page_limit(uint32_t limit)
{
    return limit == 0 ? 100 : limit > 1000 ? 1000 : limit;
}

int
notify_deliver_list(ry_txn_t *txn, const Rongyu__NotificationsRequest *q,
                    Rongyu__NotificationsReply *r)
{
    s_list_t l = {q, r, txn, 0, notify_deliver_page_limit(q->limit), 0};
    /* Nothing lies after the last id there can be (after_id + 1 would
     * wrap to the first). */
    if (q->after_id == UINT64_MAX)
        return 0;
    uint8_t from[8];
    ry_be64_put(from, q->after_id + 1);
    int rc = ry_txn_scan(txn, "deliveries", NULL, 0, from, 8, s_list_row, &l);
    if (!rc)
        rc = l.rc;
    /* Each delivery's last attempts: one retried for days has
     * thousands, and a page must stay a reply. */
    s_att_t a = {r, 0};
    for (size_t i = 0; rc == 0 && i < r->n_deliveries; i++) {
        const Rongyu__Delivery *d = r->deliveries[i];
        uint8_t p[8], first[16];
        ry_be64_put(p, d->id);
        memcpy(first, p, 8);
        ry_be64_put(first + 8,
                    d->attempts > NOTIFY_DELIVER_LISTED_ATTEMPTS
                        ? d->attempts - NOTIFY_DELIVER_LISTED_ATTEMPTS + 1
                        : 0);
        rc = ry_txn_scan(txn, "attempts", p, 8, first, 16, s_attempt_row, &a);
    }
    return rc;
}

typedef struct {
    const Rongyu__FeedReplayRequest *q;
    Rongyu__FeedReplayReply *r;
    size_t cap, limit;
    /* without the live feed's trailing '|' (a topic is at most an
     * organisation's id and '|') */
    char topic[RY_ORG_ID_MAX + 2];
} s_replay_t;

static int
s_replay_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_replay_t *p = arg;
    if (key->len != 8)
        return 0;
    Rongyu__FeedItem *fi = (Rongyu__FeedItem *)ry_pb_unpack(
        &rongyu__feed_item__descriptor, val->data, val->len, 0);
    if (!fi)
        return 0;
    if (*p->topic && (strcmp(p->topic, fi->topic) != 0 ||
                      (fi->topic_seq ? fi->topic_seq : fi->seq) <=
                          p->q->since_seq)) {
        ry_pb_free(&fi);
        return 0;
    }
    if (p->r->n_items == p->limit) {
        ry_pb_free(&fi);
        return 1;
    }
    s_push((void ***)&p->r->items, &p->r->n_items, &p->cap, fi);
    return 0;
}

int
notify_deliver_replay(ry_txn_t *txn, const Rongyu__FeedReplayRequest *q,
                      Rongyu__FeedReplayReply *r)
{
    s_replay_t p = {q, r, 0, q->limit ? q->limit : 1000, ""};
    if (p.limit > 10000)
        p.limit = 10000;
    /* The topic as the live feed spells it ("org|") or bare ("org"). */
    snprintf(p.topic, sizeof p.topic, "%s", q->topic ? q->topic : "");
    size_t tl = strlen(p.topic);
    if (tl && p.topic[tl - 1] == '|')
        p.topic[tl - 1] = '\0';
    /* With a topic, since_seq counts in the topic: scan it all (the
     * store's order is the topic's order). */
    uint8_t from[8];
    ry_be64_put(from, *p.topic ? 1 : q->since_seq + 1);
    int rc = *p.topic || q->since_seq != UINT64_MAX
                 ? ry_txn_scan(txn, "feed", NULL, 0, from, 8, s_replay_row, &p)
                 : 0; /* nothing after the last seq there can be */
    for (size_t i = 0; rc == 0 && i < r->n_items; i++)
        rc = s_feed_body(txn, r->items[i]);
    ry_val_t k, v;
    if (rc == 0 && *p.topic) {
        char tk[sizeof "feed_seq|" + RY_ORG_ID_MAX];
        snprintf(tk, sizeof tk, "feed_seq|%s", p.topic);
        rc = ry_txn_get(txn, "meta", tk, strlen(tk), &v);
        if (rc == 0 && v.len == 8)
            r->last_seq = ry_be64_get(v.data);
        rc = rc == RY_ENOTFOUND ? 0 : rc;
    } else if (rc == 0 && ry_txn_last(txn, "feed", NULL, 0, &k, &v) == 0 &&
               k.len == 8) {
        r->last_seq = ry_be64_get(k.data);
    }
    return rc;
}

void
notify_deliver_reply_clear(Rongyu__NotificationsReply *r)
{
    for (size_t i = 0; i < r->n_deliveries; i++)
        ry_pb_free(&r->deliveries[i]);
    for (size_t i = 0; i < r->n_attempts; i++)
        ry_pb_free(&r->attempts[i]);
    for (size_t i = 0; i < r->n_timers; i++)
        ry_pb_free(&r->timers[i]);
    free(r->deliveries);
    free(r->attempts);
    free(r->timers);
    r->deliveries = NULL;
    r->attempts = NULL;
    r->timers = NULL;
    r->n_deliveries = r->n_attempts = r->n_timers = 0;
    r->next_after = 0;
}

void
notify_deliver_reply_clear_feed(Rongyu__FeedReplayReply *r)
{
    for (size_t i = 0; i < r->n_items; i++)
        ry_pb_free(&r->items[i]);
    free(r->items);
    r->items = NULL;
    r->n_items = 0;
}
