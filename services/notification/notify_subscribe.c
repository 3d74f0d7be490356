/* notify_subscribe: subscriptions by request, audited, idempotent. */
#include "notify_subscribe.h"

#include "notify_readers.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_reply.h"
#include "ry_principal.h"
#include "ry_text.h"
#include "ry_xfer.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_LIST 1000

typedef struct {
    Rongyu__ErrorCode code;
    char detail[800];
    char field[80];
    Rongyu__Subscription **subs;
    size_t n, cap;
} s_out_t;

static int s_fail(s_out_t *o, Rongyu__ErrorCode code, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
s_fail(s_out_t *o, Rongyu__ErrorCode code, const char *field, const char *fmt,
       ...)
{
    o->code = code;
    snprintf(o->field, sizeof o->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    va_end(ap);
    ry_text_utf8_scrub(o->detail); /* cut inside a character, or not */
    return -1;
}

static void
s_push(s_out_t *o, Rongyu__Subscription *s)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 8;
        o->subs = realloc(o->subs, sizeof *o->subs * o->cap);
        if (!o->subs)
            abort();
    }
    o->subs[o->n++] = s;
}

static uint8_t *
s_pack(const s_out_t *o, const char *request_id, size_t *len)
{
    Rongyu__Reply rep = RONGYU__REPLY__INIT;
    Rongyu__SubscriptionsReply sr = RONGYU__SUBSCRIPTIONS_REPLY__INIT;
    rep.code = o->code;
    rep.message_zh = (char *)ry_reply_text(o->code, true);
    rep.message_en = (char *)ry_reply_text(o->code, false);
    rep.detail = (char *)o->detail;
    rep.field_path = (char *)o->field;
    rep.request_id = (char *)(request_id ? request_id : "");
    if (o->code == RONGYU__ERROR_CODE__OK) {
        sr.subscriptions = o->subs;
        sr.n_subscriptions = o->n;
        rep.body_case = RONGYU__REPLY__BODY_SUBSCRIPTIONS;
        rep.subscriptions = &sr;
    }
    return ry_pb_pack(&rep.base, len);
}

/* ------------------------------------------------------------ principal */

typedef struct {
    const char *org, *user;
    bool any;         /* city and platform act for every organisation */
    const char *role; /* grassroots | unit | city | platform | ... */
} s_who_t;

/* The principal the request acts as with the reader's key record, as
 * every service takes it (ry_principal_resolve). */
static int
s_principal(const Rongyu__Principal *stated, const Rongyu__KeyRecord *key,
            s_who_t *w, s_out_t *o)
{
    Rongyu__Principal eff = RONGYU__PRINCIPAL__INIT;
    char why[600];
    if (ry_principal_resolve(key, stated, &eff, why, sizeof why) != 0)
        return s_fail(o, RONGYU__ERROR_CODE__E_FORBIDDEN, "", "%s", why);
    if (!*eff.org_id)
        return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "principal.org_id", "principal.org_id");
    Rongyu__Role kind;
    if (ry_principal_role(&eff, &kind, why, sizeof why) != 0)
        return s_fail(o, RONGYU__ERROR_CODE__E_INVALID,
                      ry_principal_role_field(why), "%s", why);
    if (!kind)
        return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD, "principal.kind",
                      "principal.kind");
    const char *role = ry_principal_role_name(kind);
    w->org = eff.org_id;
    w->user = eff.user;
    w->role = role;
    w->any = strcmp(role, "city") == 0 || strcmp(role, "platform") == 0;
    return 0;
}

/* The organisation a request names ("" : the principal's), if w may act
 * for it. */
static int
s_org(const s_who_t *w, const char *asked, const char *field, s_out_t *o,
      const char **org)
{
    *org = asked && *asked ? asked : w->org;
    if (!w->any && strcmp(*org, w->org) != 0)
        return s_fail(o, RONGYU__ERROR_CODE__E_FORBIDDEN, field,
                      "「%.64s」只能为自己订阅，不能为「%.64s」订阅。'%s' may "
                      "subscribe only itself, not '%s'",
                      w->org, *org, w->org, *org);
    return 0;
}

/* ------------------------------------------------------------ store */

/* The longest key of sub_by_org. */
#define S_IX_MAX (RY_ORG_ID_MAX + 1 + 8)

/* Writes the key of subscription n of 'org' in sub_by_org (without n
 * when 'prefix': the organisation's range) to out; returns its length.
 * An organisation's id is at most RY_ORG_ID_MAX bytes (ry_text). */
static size_t
s_ix_key(uint8_t out[S_IX_MAX], const char *org, uint64_t n, bool prefix)
{
    size_t len = strnlen(org, RY_ORG_ID_MAX);
    memcpy(out, org, len);
    out[len++] = '\0';
    if (prefix)
        return len;
    ry_be64_put(out + len, n);
    return len + 8;
}

static int
s_audit(ry_txn_t *txn, const s_who_t *w, const char *id, const char *what,
        int64_t now)
{
    uint64_t n;
    int rc = ry_txn_next(txn, "meta", "sub_audit_seq", &n);
    if (rc)
        return rc;
    char actor[400];
    if (*w->user)
        snprintf(actor, sizeof actor, "%.200s (%.127s)", w->org, w->user);
    else
        snprintf(actor, sizeof actor, "%.200s", w->org);
    ry_text_utf8_scrub(actor); /* a name cut inside a character */
    Rongyu__AuditEntry e = RONGYU__AUDIT_ENTRY__INIT;
    e.case_id = (char *)id;
    e.at_ms = now;
    e.actor = actor;
    e.what = (char *)what;
    size_t len;
    uint8_t *buf = ry_pb_pack(&e.base, &len);
    uint8_t key[8];
    ry_be64_put(key, n);
    rc = ry_txn_put(txn, "sub_audit", key, 8, buf, len, 0);
    free(buf);
    if (!rc)
        ry_info(NULL, "subscription %s: %s by %s", id, what, actor);
    return rc;
}

/* A copy of s for a reply: the secret stays in the store. */
static Rongyu__Subscription *
s_public(const Rongyu__Subscription *s)
{
    Rongyu__Subscription c = *s;
    c.secret = (char *)"";
    size_t len;
    uint8_t *buf = ry_pb_pack(&c.base, &len);
    Rongyu__Subscription *out = (Rongyu__Subscription *)ry_pb_unpack(
        &rongyu__subscription__descriptor, buf, len, 0);
    free(buf);
    if (!out)
        abort();
    return out;
}

typedef struct {
    const char *org; /* NULL: every one */
    s_out_t *o;
    notify_sub_t *loaded; /* notify_subscribe_load */
    size_t nloaded, cap;
} s_scan_t;

static int
s_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_scan_t *sc = arg;
    Rongyu__Subscription *s = (Rongyu__Subscription *)ry_pb_unpack(
        &rongyu__subscription__descriptor, val->data, val->len, 0);
    if (!s || key->len != 8)
        return ry_pb_free(&s), 0;
    if (sc->o) {
        if (!sc->org || strcmp(sc->org, s->org) == 0)
            if (sc->o->n < S_MAX_LIST)
                s_push(sc->o, s_public(s));
    } else {
        if (sc->nloaded == sc->cap) {
            sc->cap = sc->cap ? sc->cap * 2 : 16;
            sc->loaded = realloc(sc->loaded, sizeof *sc->loaded * sc->cap);
            if (!sc->loaded)
                abort();
        }
        notify_sub_t *t = &sc->loaded[sc->nloaded++];
        memset(t, 0, sizeof *t);
        snprintf(t->org, sizeof t->org, "%s", s->org);
        /* created_by starts with the subscriber's own org and role */
        size_t ol = strlen(s->org);
        if (strncmp(s->created_by, s->org, ol) == 0 &&
            s->created_by[ol] == '|') {
            snprintf(t->role, sizeof t->role, "%.15s", s->created_by + ol + 1);
            char *cut = strchr(t->role, '|');
            if (cut)
                *cut = '\0';
        }
        t->pub = s->channel == RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_FEED;
        if (s->channel == RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK) {
            snprintf(t->url, sizeof t->url, "%s", s->url);
            snprintf(t->secret, sizeof t->secret, "%s", s->secret);
        }
        if (s->channel == RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_EMAIL)
            snprintf(t->email, sizeof t->email, "%s", s->email);
    }
    ry_pb_free(&s);
    return 0;
}

/* Visits, through sub_by_org, the subscriptions of 'org' in the order
 * they were made, as s_row does. */
typedef struct {
    ry_txn_t *txn;
    s_scan_t *sc;
    int rc;
} s_by_org_t;

static int
s_by_org_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_by_org_t *b = arg;
    if (key->len < 9)
        return 0;
    ry_val_t k = {(const uint8_t *)key->data + key->len - 8, 8}, v;
    int rc = ry_txn_get(b->txn, "subscriptions", k.data, 8, &v);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc) {
        b->rc = rc;
        return 1;
    }
    return s_row(&k, &v, b->sc);
}

static int
s_scan_org(ry_txn_t *txn, const char *org, s_scan_t *sc)
{
    uint8_t p[S_IX_MAX];
    s_by_org_t b = {txn, sc, 0};
    int rc = ry_txn_scan(txn, "sub_by_org", p, s_ix_key(p, org, 0, true), NULL,
                         0, s_by_org_row, &b);
    return rc ? rc : b.rc;
}

static int
s_count_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    (void)val;
    size_t *n = arg;
    return ++*n >= NOTIFY_SUBSCRIBE_MAX_PER_ORG;
}

/* The number of subscriptions of 'org' in *n, counted up to
 * NOTIFY_SUBSCRIBE_MAX_PER_ORG. Returns 0 or a store error. */
static int
s_count_org(ry_txn_t *txn, const char *org, size_t *n)
{
    uint8_t p[S_IX_MAX];
    *n = 0;
    return ry_txn_scan(txn, "sub_by_org", p, s_ix_key(p, org, 0, true), NULL, 0,
                       s_count_row, n);
}

/* Subscription 'id' ("s<n>") in *found (NULL when there is none) and its
 * key. Returns 0 or a store error. */
static int
s_find(ry_txn_t *txn, const char *id, uint8_t key[8],
       Rongyu__Subscription **found)
{
    *found = NULL;
    size_t digits = strspn(id + 1, "0123456789");
    if (id[0] != 's' || digits == 0 || digits > 20 || id[1 + digits])
        return 0;
    ry_be64_put(key, strtoull(id + 1, NULL, 10));
    ry_val_t v;
    int rc = ry_txn_get(txn, "subscriptions", key, 8, &v);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    *found = (Rongyu__Subscription *)ry_pb_unpack(
        &rongyu__subscription__descriptor, v.data, v.len, 0);
    /* "s07" names no subscription: ids are written without zeros. */
    if (*found && strcmp((*found)->id, id) != 0)
        ry_pb_free(found);
    return 0;
}

void
notify_subscribe_role(const ry_campaigns_t *camps, char *const *cities,
                      size_t ncities, const char *org, const char *stated,
                      char *role, size_t cap)
{
    bool city = strcmp(org, "city") == 0;
    for (size_t i = 0; !city && i < ncities; i++)
        city = strcmp(cities[i], org) == 0;
    bool unit = false;
    for (size_t i = 0; !city && camps && i < ry_campaigns_count(camps); i++)
        unit =
            unit || ry_campaign_unit_find(ry_campaigns_at(camps, i), org) >= 0;
    snprintf(role, cap, "%s",
             city                ? "city"
             : unit              ? "unit"
             : stated && *stated ? stated
                                 : "grassroots");
}

int
notify_subscribe_load(ry_txn_t *txn, const ry_campaigns_t *camps,
                      const char *const *targets, size_t ntargets,
                      notify_sub_t **out, size_t *n)
{
    s_scan_t sc = {0};
    char **cities = NULL;
    size_t ncities = 0;
    bool by_org = true;
    for (size_t i = 0; i < ntargets; i++)
        by_org = by_org && (!targets[i] || targets[i][0] != '@');
    int rc = 0;
    for (size_t i = 0; by_org && rc == 0 && i < ntargets; i++) {
        bool again = !targets[i] || !*targets[i];
        for (size_t j = 0; !again && j < i; j++)
            again = targets[j] && strcmp(targets[i], targets[j]) == 0;
        if (!again)
            rc = s_scan_org(txn, targets[i], &sc);
    }
    if (!by_org)
        rc = ry_txn_scan(txn, "subscriptions", NULL, 0, NULL, 0, s_row, &sc);
    if (!rc && sc.nloaded)
        rc = notify_readers_city_orgs(txn, &cities, &ncities);
    /* By the organisation, not by who subscribed it: the city or the
     * platform subscribing a unit subscribes a unit. */
    for (size_t i = 0; rc == 0 && i < sc.nloaded; i++) {
        notify_sub_t *t = &sc.loaded[i];
        char stated[sizeof t->role];
        memcpy(stated, t->role, sizeof stated);
        notify_subscribe_role(camps, cities, ncities, t->org, stated, t->role,
                              sizeof t->role);
    }
    for (size_t i = 0; i < ncities; i++)
        free(cities[i]);
    free(cities);
    if (rc) {
        free(sc.loaded);
        return rc;
    }
    *out = sc.loaded;
    *n = sc.nloaded;
    return 0;
}

typedef struct {
    ry_txn_t *txn;
    bool write; /* put each row; else look for a missing one */
    int rc;
    bool stale; /* a subscription without its row in sub_by_org */
} s_reindex_t;

/* A subscription's row in sub_by_org: written, or looked for (stopping
 * at the first missing). */
static int
s_reindex_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_reindex_t *r = arg;
    Rongyu__Subscription *s = (Rongyu__Subscription *)ry_pb_unpack(
        &rongyu__subscription__descriptor, val->data, val->len, 0);
    if (s && key->len == 8) {
        uint8_t ix[S_IX_MAX];
        size_t n = s_ix_key(ix, s->org, ry_be64_get(key->data), false);
        ry_val_t v;
        r->rc = r->write ? ry_txn_put(r->txn, "sub_by_org", ix, n, "", 0, 0)
                         : ry_txn_get(r->txn, "sub_by_org", ix, n, &v);
        if (r->rc == RY_ENOTFOUND && !r->write) {
            r->rc = 0;
            r->stale = true;
        }
    }
    ry_pb_free(&s);
    return r->rc || r->stale ? 1 : 0;
}

int
notify_subscribe_reindex(ry_txn_t *txn, bool *rebuilt)
{
    if (rebuilt)
        *rebuilt = false;
    uint64_t subs, rows;
    int rc = ry_txn_count(txn, "subscriptions", &subs);
    if (!rc)
        rc = ry_txn_count(txn, "sub_by_org", &rows);
    /* In step when every subscription has its row and there is no other:
     * equal counts alone are not enough, as an earlier version run on
     * this store cancels and makes subscriptions without their rows. */
    s_reindex_t chk = {txn, false, 0, false};
    if (!rc && subs == rows)
        rc = ry_txn_scan(txn, "subscriptions", NULL, 0, NULL, 0, s_reindex_row,
                         &chk);
    if (!rc)
        rc = chk.rc;
    if (rc || (subs == rows && !chk.stale))
        return rc;
    rc = ry_txn_clear(txn, "sub_by_org");
    s_reindex_t r = {txn, true, 0, false};
    if (!rc)
        rc = ry_txn_scan(txn, "subscriptions", NULL, 0, NULL, 0, s_reindex_row,
                         &r);
    if (!rc)
        rc = r.rc;
    if (!rc && rebuilt)
        *rebuilt = true;
    return rc;
}

/* ------------------------------------------------------------ requests */

static bool
s_email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    return at && at != e && at[1] && !strpbrk(e, "<>\r\n \t,;");
}

static int
s_subscribe(ry_txn_t *txn, const s_who_t *w, const Rongyu__SubscribeRequest *q,
            int64_t now, s_out_t *o)
{
    const char *org;
    /* The platform acts for organisations and has no notices of its own:
     * it names the one it subscribes. */
    if ((!q->org || !*q->org) && strcmp(w->role, "platform") == 0)
        return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD, "subscribe.org",
                      "subscribe.org: 平台没有自己的通知，须写明为哪个组织"
                      "订阅。subscribe.org: the platform has no notices of "
                      "its own; name the organisation to subscribe");
    if (s_org(w, q->org, "subscribe.org", o, &org))
        return -1;
    Rongyu__Subscription s = RONGYU__SUBSCRIPTION__INIT;
    s.org = (char *)org;
    s.channel = q->channel;
    switch (q->channel) {
    case RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_FEED:
        if (!notify_sub_feed_ok(org))
            return s_fail(
                o, RONGYU__ERROR_CODE__E_INVALID, "subscribe.org",
                "subscribe.org: 「%.64s」含有「|」，而「|」是订阅推送主题的"
                "结尾，其推送会发给另一组织的订阅者；请改用 webhook 或电子"
                "邮件。subscribe.org: '%.64s' holds '|', which ends a feed's "
                "topic: its items would reach the subscribers of another "
                "organisation's; use a webhook or e-mail",
                org, org);
        break;
    case RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK:
        if (!*q->url)
            return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                          "subscribe.url", "subscribe.url");
        if ((strncmp(q->url, "http://", 7) && strncmp(q->url, "https://", 8)) ||
            strlen(q->url) > 500 || strpbrk(q->url, " \r\n\t"))
            return s_fail(
                o, RONGYU__ERROR_CODE__E_INVALID, "subscribe.url",
                "subscribe.url 须为 http:// 或 https:// 网址，至多 500 "
                "字节。subscribe.url: an http:// or https:// URL "
                "of at most 500 bytes is needed");
        if (ry_xfer_url_link_local(q->url))
            return s_fail(o, RONGYU__ERROR_CODE__E_INVALID, "subscribe.url",
                          "subscribe.url: 链路本地地址（169.254.0.0/16、"
                          "fe80::/10）不接收通知。A link-local address "
                          "(169.254.0.0/16, fe80::/10) takes no webhook.");
        if (strlen(q->secret) < 16 || strlen(q->secret) > 255)
            return s_fail(o, RONGYU__ERROR_CODE__E_INVALID, "subscribe.secret",
                          "subscribe.secret 须为 16 至 255 字节。"
                          "subscribe.secret: 16 to 255 bytes are needed");
        s.url = q->url;
        s.secret = q->secret;
        break;
    case RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_EMAIL:
        if (!*q->email)
            return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                          "subscribe.email", "subscribe.email");
        if (!s_email_ok(q->email) || strlen(q->email) > 255)
            return s_fail(o, RONGYU__ERROR_CODE__E_INVALID, "subscribe.email",
                          "「%.64s」不是电子邮件地址。subscribe.email: '%s' is "
                          "not an address",
                          q->email, q->email);
        s.email = q->email;
        break;
    case RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_UNSPECIFIED:
        return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "subscribe.channel", "subscribe.channel");
    default:
        return s_fail(o, RONGYU__ERROR_CODE__E_INVALID, "subscribe.channel",
                      "subscribe.channel 的取值 %d 未知。subscribe.channel: "
                      "unknown value %d",
                      (int)q->channel, (int)q->channel);
    }
    /* Each subscription is a delivery of every notice to the
     * organisation: their number is bounded. */
    size_t have;
    int rc = s_count_org(txn, org, &have);
    if (rc)
        return rc;
    if (have >= NOTIFY_SUBSCRIBE_MAX_PER_ORG)
        return s_fail(o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, "subscribe.org",
                      "「%.64s」已有 %d 个订阅，已达上限；请先取消不再使用的"
                      "订阅。'%s' has %d subscriptions, the most an "
                      "organisation may have; cancel one it no longer uses "
                      "first",
                      org, NOTIFY_SUBSCRIBE_MAX_PER_ORG, org,
                      NOTIFY_SUBSCRIBE_MAX_PER_ORG);
    uint64_t n;
    rc = ry_txn_next(txn, "meta", "sub_seq", &n);
    if (rc)
        return rc;
    char id[32], by[400];
    snprintf(id, sizeof id, "s%" PRIu64, n);
    /* "org|role|user": whose own subscription it is, for @unit, @city. */
    snprintf(by, sizeof by, "%.200s|%.15s|%.127s", w->org, w->role, w->user);
    ry_text_utf8_scrub(by);
    s.id = id;
    s.created_by = by;
    s.created_at_ms = now;
    size_t len;
    uint8_t *buf = ry_pb_pack(&s.base, &len);
    uint8_t key[8];
    ry_be64_put(key, n);
    rc = ry_txn_put(txn, "subscriptions", key, 8, buf, len, RY_PUT_APPEND);
    free(buf);
    uint8_t ix[S_IX_MAX];
    if (!rc)
        rc = ry_txn_put(txn, "sub_by_org", ix, s_ix_key(ix, org, n, false), "",
                        0, 0);
    char what[800];
    snprintf(what, sizeof what, "subscribed %.200s: %s %.500s", org,
             q->channel == RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_FEED ? "feed"
             : q->channel == RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK
                 ? "webhook"
                 : "email",
             q->channel == RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK
                 ? q->url
                 : q->email);
    ry_text_utf8_scrub(what);
    if (!rc)
        rc = s_audit(txn, w, id, what, now);
    if (!rc)
        s_push(o, s_public(&s));
    return rc;
}

static int
s_list(ry_txn_t *txn, const s_who_t *w, const Rongyu__SubscriptionsRequest *q,
       const notify_subs_t *file, s_out_t *o)
{
    const char *org;
    if ((!q->org || !*q->org) && strcmp(w->role, "platform") == 0)
        return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "subscriptions.org",
                      "subscriptions.org: 平台没有自己的订阅，须写明查看哪个"
                      "组织的订阅。subscriptions.org: the platform has no "
                      "subscriptions of its own; name the organisation");
    if (s_org(w, q->org, "subscriptions.org", o, &org))
        return -1;
    /* The operator's file first, read-only. */
    for (size_t i = 0; i < notify_subs_count(file); i++) {
        const notify_sub_t *f = notify_subs_at(file, i);
        if (strcmp(f->org, org) != 0)
            continue;
        for (int ch = 0; ch < 3; ch++) {
            if ((ch == 0 && !f->pub) || (ch == 1 && !f->url[0]) ||
                (ch == 2 && !f->email[0]))
                continue;
            Rongyu__Subscription s = RONGYU__SUBSCRIPTION__INIT;
            char id[40];
            snprintf(id, sizeof id, "file:%zu", i);
            s.id = id;
            s.org = (char *)f->org;
            s.channel = ch == 0 ? RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_FEED
                        : ch == 1
                            ? RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_WEBHOOK
                            : RONGYU__SUBSCRIPTION_CHANNEL__CHANNEL_EMAIL;
            s.url = ch == 1 ? (char *)f->url : (char *)"";
            s.email = ch == 2 ? (char *)f->email : (char *)"";
            s.created_by = (char *)"subscribers file";
            s.from_file = true;
            s_push(o, s_public(&s));
        }
    }
    s_scan_t sc = {.org = org, .o = o};
    return s_scan_org(txn, org, &sc);
}

static int
s_cancel(ry_txn_t *txn, const s_who_t *w, const Rongyu__UnsubscribeRequest *q,
         int64_t now, s_out_t *o)
{
    if (!*q->id)
        return s_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD, "unsubscribe.id",
                      "unsubscribe.id");
    if (strncmp(q->id, "file:", 5) == 0)
        return s_fail(o, RONGYU__ERROR_CODE__E_FORBIDDEN, "unsubscribe.id",
                      "「%.64s」来自运维人员的订阅文件，只有运维人员可以修改。"
                      "'%s' is in the operator's subscribers file; only the "
                      "operator changes it",
                      q->id, q->id);
    uint8_t key[8];
    Rongyu__Subscription *found;
    int rc = s_find(txn, q->id, key, &found);
    if (rc)
        return rc;
    /* One the principal may not act for is one it cannot see. */
    if (!found || (!w->any && strcmp(found->org, w->org) != 0)) {
        ry_pb_free(&found);
        return s_fail(o, RONGYU__ERROR_CODE__E_NOT_FOUND, "unsubscribe.id",
                      "没有订阅「%.64s」。no subscription '%s'", q->id, q->id);
    }
    rc = ry_txn_del(txn, "subscriptions", key, 8);
    uint8_t ix[S_IX_MAX];
    if (!rc)
        rc = ry_txn_del(txn, "sub_by_org", ix,
                        s_ix_key(ix, found->org, ry_be64_get(key), false));
    char what[240];
    snprintf(what, sizeof what, "cancelled (%.200s)", found->org);
    if (!rc)
        rc = s_audit(txn, w, found->id, what, now);
    if (!rc)
        s_push(o, s_public(found));
    ry_pb_free(&found);
    return rc;
}

int
notify_subscribe_scope(const Rongyu__Request *req, const Rongyu__KeyRecord *key,
                       const char **org, uint8_t **reply, size_t *reply_len)
{
    *org = "";
    *reply = NULL;
    s_out_t o = {.code = RONGYU__ERROR_CODE__OK};
    s_who_t w;
    int rc = s_principal(req->principal, key, &w, &o);
    if (!rc && !w.any) {
        const Rongyu__NotificationsRequest *nq =
            req->body_case == RONGYU__REQUEST__BODY_NOTIFICATIONS
                ? req->notifications
                : NULL;
        const Rongyu__FeedReplayRequest *fq =
            req->body_case == RONGYU__REQUEST__BODY_FEED_REPLAY
                ? req->feed_replay
                : NULL;
        /* A topic as the live feed spells it ("org|") or bare. */
        const char *topic = fq && fq->topic ? fq->topic : "";
        size_t tl = strlen(topic), ol = strlen(w.org);
        bool other_topic =
            tl && !(strncmp(topic, w.org, ol) == 0 &&
                    (tl == ol || (tl == ol + 1 && topic[ol] == '|')));
        if (nq && nq->timers)
            rc = s_fail(&o, RONGYU__ERROR_CODE__E_FORBIDDEN,
                        "notifications.timers",
                        "「%.64s」只能查看本组织的通知，定时提醒只有市总工会"
                        "与平台可以查看。'%s' may read only its own "
                        "notifications; the timers are the city's and the "
                        "platform's to read",
                        w.org, w.org);
        else if (nq && *nq->org && strcmp(nq->org, w.org) != 0)
            rc =
                s_fail(&o, RONGYU__ERROR_CODE__E_FORBIDDEN, "notifications.org",
                       "「%.64s」只能查看本组织的通知，不能查看「%.64s」的。"
                       "'%s' may read only its own notifications, not "
                       "those of '%s'",
                       w.org, nq->org, w.org, nq->org);
        else if (other_topic)
            rc =
                s_fail(&o, RONGYU__ERROR_CODE__E_FORBIDDEN, "feed_replay.topic",
                       "「%.64s」只能重放本组织的订阅推送，不能重放「%.64s」"
                       "的。'%s' may replay only its own feed, not '%s'",
                       w.org, topic, w.org, topic);
        else
            *org = w.org;
    }
    if (!rc)
        return 0;
    *reply = s_pack(&o, req->request_id, reply_len);
    return -1;
}

int
notify_subscribe_request(ry_txn_t *txn, const Rongyu__Request *req,
                         const Rongyu__KeyRecord *key,
                         const notify_subs_t *file, int64_t now,
                         uint8_t **reply, size_t *reply_len)
{
    *reply = NULL;
    s_out_t o = {.code = RONGYU__ERROR_CODE__OK};
    s_who_t w;
    bool change = req->body_case != RONGYU__REQUEST__BODY_SUBSCRIPTIONS;
    uint8_t fp[32];
    char ik[420], why[160];
    int iklen = 0;
    int rc = s_principal(req->principal, key, &w, &o);
    if (!rc && change) {
        if (!req->idempotency_key || !*req->idempotency_key) {
            rc = s_fail(&o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                        "idempotency_key",
                        "每个改变状态的请求都需要幂等键。idempotency_key: "
                        "every request that changes state needs one");
        } else if (ry_text_idem_key_check(req->idempotency_key, why,
                                          sizeof why) != 0) {
            rc = s_fail(&o, RONGYU__ERROR_CODE__E_INVALID,
                        "idempotency_key", "%s", why);
        } else {
            Rongyu__Request copy = *req;
            copy.request_id = (char *)"";
            copy.idempotency_key = (char *)"";
            size_t len;
            uint8_t *buf = ry_pb_pack(&copy.base, &len);
            crypto_hash_sha256(fp, buf, len);
            free(buf);
            iklen = snprintf(ik, sizeof ik, "%.200s%c%s", w.org, '\0',
                             req->idempotency_key);
            ry_val_t v;
            int g = ry_txn_get(txn, "sub_idem", ik, (size_t)iklen, &v);
            if (g == 0) {
                if (v.len < 32 || memcmp(v.data, fp, 32) != 0) {
                    /* About the whole request: no field path, as in
                     * intake (docs/protocol.md). */
                    rc = s_fail(&o, RONGYU__ERROR_CODE__E_CONFLICT, "",
                                "幂等键「%.64s」已用于内容不同的请求。"
                                "idempotency_key '%s' was used for a "
                                "different request",
                                req->idempotency_key, req->idempotency_key);
                } else {
                    /* The first answer, with this request's id. */
                    Rongyu__Reply *c = (Rongyu__Reply *)ry_pb_unpack(
                        &rongyu__reply__descriptor,
                        (const uint8_t *)v.data + 32, v.len - 32, 0);
                    if (!c)
                        return RY_EIO;
                    char *saved = c->request_id;
                    c->request_id = req->request_id;
                    *reply = ry_pb_pack(&c->base, reply_len);
                    c->request_id = saved;
                    ry_pb_free(&c);
                    return -1;
                }
            } else if (g != RY_ENOTFOUND) {
                return g;
            }
        }
    }
    if (!rc) {
        switch (req->body_case) {
        case RONGYU__REQUEST__BODY_SUBSCRIBE:
            rc = s_subscribe(txn, &w, req->subscribe, now, &o);
            break;
        case RONGYU__REQUEST__BODY_SUBSCRIPTIONS:
            rc = s_list(txn, &w, req->subscriptions, file, &o);
            break;
        default: rc = s_cancel(txn, &w, req->unsubscribe, now, &o); break;
        }
    }
    if (rc < -1) {
        for (size_t i = 0; i < o.n; i++)
            ry_pb_free(&o.subs[i]);
        free(o.subs);
        return rc;
    }
    if (rc == 0 && change) {
        size_t len;
        uint8_t *first = s_pack(&o, "", &len);
        uint8_t *v = malloc(32 + len);
        if (!v)
            abort();
        memcpy(v, fp, 32);
        memcpy(v + 32, first, len);
        rc = ry_txn_put(txn, "sub_idem", ik, (size_t)iklen, v, 32 + len, 0);
        free(v);
        free(first);
    }
    if (rc < -1) {
        for (size_t i = 0; i < o.n; i++)
            ry_pb_free(&o.subs[i]);
        free(o.subs);
        return rc;
    }
    *reply = s_pack(&o, req->request_id, reply_len);
    for (size_t i = 0; i < o.n; i++)
        ry_pb_free(&o.subs[i]);
    free(o.subs);
    return rc == 0 && change ? 0 : -1;
}
