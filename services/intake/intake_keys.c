/* intake_keys: client keys and the principals they are registered to. */
#include "intake_keys.h"

#include "intake_orgs.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_keys.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_principal.h"
#include "ry_str.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
intake_keys_set_admit_dir(intake_cases_t *self, const char *dir)
{
    snprintf(self->admit_dir, sizeof self->admit_dir, "%s", dir ? dir : "");
}

void
intake_keys_set_test_key(intake_cases_t *self, const char *key)
{
    snprintf(self->test_key, sizeof self->test_key, "%s", key ? key : "");
}

static bool
s_role_ok(const char *role)
{
    return role && (strcmp(role, "grassroots") == 0 ||
                    strcmp(role, "unit") == 0 || strcmp(role, "city") == 0 ||
                    strcmp(role, "platform") == 0);
}

static int
s_get(ry_txn_t *txn, const char *key, Rongyu__KeyRecord **out)
{
    /* Only valid keys are stored (s_put's callers check them): the key of
     * every request is looked up without decoding its Z85 again. */
    return ry_principal_key_record(txn, "keys", key, out);
}

static int
s_put(ry_txn_t *txn, const Rongyu__KeyRecord *rec)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&rec->base, &len);
    int rc = ry_txn_put(txn, "keys", rec->public_key, RY_KEY_LEN, buf, len, 0);
    free(buf);
    return rc;
}

/* Admits or refuses the key at intake's socket from the next handshake. */
static void
s_admit(intake_cases_t *self, const Rongyu__KeyRecord *rec)
{
    if (!self->admit_dir[0])
        return;
    int rc;
    if (rec->revoked_at_ms) {
        rc = ry_keys_admit_remove(self->admit_dir, rec->public_key);
    } else {
        const char *const meta[] = {"kind", "client", "org", rec->org_id,
                                    "role", rec->role, NULL};
        rc = ry_keys_admit_add(self->admit_dir, rec->public_key, meta);
    }
    if (rc)
        ry_error(NULL, "cannot update the admission of key %.8s...: %s",
                 rec->public_key, ry_strerror(rc));
}

/* Keys of the city and the platform may read notification: tell it. */
static int
s_tell_notification(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__KeyRecord *rec)
{
    if (strcmp(rec->role, "city") != 0 && strcmp(rec->role, "platform") != 0)
        return 0;
    if (!self->channel)
        return 0;
    return ry_channel_send_msg(self->channel, txn, "notification",
                               RONGYU__MESSAGE_TYPE__KEY_GRANT, "",
                               &rec->base);
}

int
intake_keys_put(intake_cases_t *self, ry_txn_t *txn, const char *key,
                const char *org, const char *role, const char *label)
{
    Rongyu__KeyRecord rec = RONGYU__KEY_RECORD__INIT;
    rec.public_key = (char *)key;
    rec.org_id = (char *)org;
    rec.role = (char *)role;
    rec.label = (char *)label;
    rec.added_by = (char *)"rongyu keys init";
    rec.added_at_ms = ry_clock_now_ms();
    int rc = s_put(txn, &rec);
    if (!rc)
        rc = s_tell_notification(self, txn, &rec);
    if (!rc)
        s_admit(self, &rec);
    return rc;
}

typedef struct {
    intake_cases_t *self;
    const char *admin;
    int rc;
} s_start_t;

static int
s_admit_one(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_start_t *st = arg;
    Rongyu__KeyRecord *rec = (Rongyu__KeyRecord *)ry_pb_unpack(
        &rongyu__key_record__descriptor, val->data, val->len, 0);
    if (!rec) {
        st->rc = RY_EIO;
        return 1;
    }
    if (!rec->revoked_at_ms)
        s_admit(st->self, rec);
    ry_pb_free(&rec);
    return 0;
}

static int
s_start(ry_txn_t *txn, void *arg)
{
    s_start_t *st = arg;
    uint64_t n = 0;
    int rc = ry_txn_count(txn, "keys", &n);
    if (rc)
        return rc;
    if (n == 0) {
        char pub[RY_KEY_LEN + 1];
        rc = ry_keys_read_public(st->admin, pub);
        if (rc) {
            ry_error(NULL, "no key is registered and there is no "
                           "administrator key at '%s' (run 'rongyu keys "
                           "init')",
                     st->admin);
            return RY_ENOTFOUND;
        }
        rc = intake_keys_put(st->self, txn, pub, "city", "city",
                             "administrator (rongyu keys init)");
        if (rc)
            return rc;
        ry_info(NULL, "registered the administrator key %.8s... as the "
                      "city department's",
                pub);
    }
    st->rc = 0;
    rc = ry_txn_scan(txn, "keys", NULL, 0, NULL, 0, s_admit_one, st);
    return rc ? rc : st->rc;
}

int
intake_keys_start(intake_cases_t *self, const char *admin_cert)
{
    if (self->admit_dir[0]) {
        int rc = ry_keys_admit_reset(self->admit_dir);
        if (rc)
            return rc;
    }
    s_start_t st = {self, admin_cert, 0};
    return ry_store_write(self->store, 0, s_start, &st);
}

int
intake_keys_resolve(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Principal *stated, Rongyu__KeyRecord **rec,
                    Rongyu__Principal *eff, char *via, size_t vialen,
                    char *why, size_t len)
{
    *rec = NULL;
    via[0] = '\0';
    const char *key = self->channel ? ry_channel_request_key(self->channel)
                                    : "";
    if (!*key)
        key = self->test_key;
    int rc = s_get(txn, key, rec);
    if (rc == RY_ENOTFOUND || (rc == 0 && (*rec)->revoked_at_ms)) {
        ry_warn(NULL, "request with %s key %.8s... refused",
                rc ? "an unregistered" : "a revoked", *key ? key : "(none)");
        ry_pb_free(rec);
        return intake_why(
            why, len, RY_ENOTFOUND, "密钥 %.8s… %s。Key %.8s... is %s.",
            *key ? key : "(none)", rc ? "未登记" : "已吊销",
            *key ? key : "(none)", rc ? "not registered" : "revoked");
    }
    if (rc)
        return rc;
    const Rongyu__KeyRecord *k = *rec;
    rc = ry_principal_resolve(k, stated, eff, why, len);
    if (rc == 0 && strcmp(k->role, "platform") == 0 && *eff->org_id) {
        char key8[9];
        ry_str_cat(key8, sizeof key8, k->public_key, (char *)NULL);
        ry_str_cat(via, vialen, "platform key '", k->label, "' ", key8,
                   (char *)NULL);
    }
    return rc;
}

/* ------------------------------------------------------------ requests */

/* May p register and revoke keys of (org, role)? The city and the
 * platform any; a unit those of grassroots unions registered under it. */
static int
s_may_manage(ry_txn_t *txn, const intake_principal_t *p, const char *org,
             const char *role, char *why, size_t len)
{
    if (p->role == INTAKE_ROLE_CITY || p->role == INTAKE_ROLE_PLATFORM)
        return 0;
    if (p->role != INTAKE_ROLE_UNIT)
        return intake_why(
            why, len, RY_EPERM,
            "只有市总工会基层工作部（或组织单位为其下属工会）可以"
            "登记密钥，「%s」不能。Only the city department, or an "
            "organising unit for the unions under it, registers "
            "keys; not '%s'.",
            p->org_id, p->org_id);
    char unit[256];
    int rc = intake_principal_unit(txn, p, unit, sizeof unit);
    if (rc)
        return rc == RY_EPERM
                   ? intake_why(why, len, RY_EPERM,
                                "「%s」未登记为组织单位。'%s' is not "
                                "registered as an organising unit.",
                                p->org_id, p->org_id)
                   : rc;
    if (strcmp(role, "grassroots") != 0)
        return intake_why(why, len, RY_EPERM,
                          "组织单位只能登记基层工会的密钥，不能登记 %s 密钥。A "
                          "unit registers only grassroots unions' keys, not a "
                          "%s key.",
                          role, role);
    Rongyu__Organisation *o = NULL;
    rc = intake_orgs_get(txn, org, &o);
    if (rc == RY_ENOTFOUND)
        return intake_why(
            why, len, RY_EPERM,
            "「%s」不是已登记的组织（须先由市总工会导入）。'%s' "
            "is not a registered organisation (the city imports it "
            "first).",
            org, org);
    if (rc)
        return rc;
    bool under = strcmp(o->organising_unit, unit) == 0 &&
                 o->kind != RONGYU__ORG_KIND__ORG_UNIT &&
                 o->kind != RONGYU__ORG_KIND__ORG_CITY;
    ry_pb_free(&o);
    return under ? 0
                 : intake_why(why, len, RY_EPERM,
                              "「%s」不是%s下属的工会。'%s' is not a union "
                              "under %s.",
                              org, unit, org, unit);
}

static void
s_actor(const intake_principal_t *p, const Rongyu__KeyRecord *by, char *buf,
        size_t len)
{
    snprintf(buf, len, "%s (%s) with key %.8s", p->org_id,
             p->user && *p->user ? p->user : by->label, by->public_key);
}

static int
s_fail(intake_reply_t *r, int rc, const char *why)
{
    if (rc == RY_EPERM)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN, "%s",
                                 why);
    return rc;
}

static int
s_add(intake_cases_t *self, ry_txn_t *txn, const Rongyu__KeyAddRequest *q,
      const intake_principal_t *p, const Rongyu__KeyRecord *by,
      intake_reply_t *r)
{
    if (!ry_keys_valid(q->public_key))
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_INVALID,
            "public_key: 不是 CURVE 公钥（40 个 Z85 字符）。"
            "public_key: not a CURVE public key (40 "
            "characters of Z85)");
    if (intake_is_empty(q->org_id))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "org_id");
    if (!s_role_ok(q->role))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "角色「%.64s」无效（可为 grassroots、unit、"
                                 "city、platform）。role '%s' (grassroots, "
                                 "unit, city, platform)",
                                 q->role ? q->role : "",
                                 q->role ? q->role : "");
    char why[600];
    int rc = s_may_manage(txn, p, q->org_id, q->role, why, sizeof why);
    if (rc)
        return s_fail(r, rc, why);
    Rongyu__KeyRecord *old = NULL;
    rc = s_get(txn, q->public_key, &old);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    if (old) {
        bool same = !old->revoked_at_ms && strcmp(old->org_id, q->org_id) == 0 &&
                    strcmp(old->role, q->role) == 0;
        if (!same)
            intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_CONFLICT,
                old->revoked_at_ms
                    ? "密钥 %.8s… 已吊销，吊销的密钥不能再登记（请"
                      "生成新密钥）。key %.8s... was revoked; "
                      "a revoked key is never registered again "
                      "(make a new one)"
                    : "密钥 %.8s… 已登记给另一主体，请先吊销。"
                      "key %.8s... is registered to another "
                      "principal; revoke it first",
                q->public_key, q->public_key);
        r->keys = calloc(1, sizeof *r->keys);
        if (!r->keys)
            abort();
        r->keys[0] = old;
        r->nkeys = 1;
        r->keyr = true;
        return same ? 0 : -1;
    }
    char actor[400];
    s_actor(p, by, actor, sizeof actor);
    Rongyu__KeyRecord rec = RONGYU__KEY_RECORD__INIT;
    rec.public_key = q->public_key;
    rec.org_id = q->org_id;
    rec.role = q->role;
    rec.label = q->label ? q->label : (char *)"";
    rec.added_by = actor;
    rec.added_at_ms = ry_clock_now_ms();
    rc = s_put(txn, &rec);
    if (!rc)
        rc = s_tell_notification(self, txn, &rec);
    if (rc)
        return rc;
    s_admit(self, &rec);
    ry_info(NULL, "key %.8s... registered to %s as %s by %s", rec.public_key,
            rec.org_id, rec.role, actor);
    size_t plen;
    uint8_t *buf = ry_pb_pack(&rec.base, &plen);
    r->keys = calloc(1, sizeof *r->keys);
    if (!r->keys)
        abort();
    r->keys[0] = (Rongyu__KeyRecord *)ry_pb_unpack(
        &rongyu__key_record__descriptor, buf, plen, 0);
    free(buf);
    r->nkeys = r->keys[0] ? 1 : 0;
    r->keyr = true;
    return 0;
}

static int
s_revoke(intake_cases_t *self, ry_txn_t *txn, const char *key,
         const intake_principal_t *p, const Rongyu__KeyRecord *by,
         intake_reply_t *r)
{
    Rongyu__KeyRecord *rec = NULL;
    int rc = s_get(txn, key, &rec);
    if (rc == RY_ENOTFOUND)
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_NOT_FOUND,
            "密钥「%.64s」未登记。key '%s' is not registered", key ? key : "",
            key ? key : "");
    if (rc)
        return rc;
    char why[600];
    rc = s_may_manage(txn, p, rec->org_id, rec->role, why, sizeof why);
    if (!rc && !rec->revoked_at_ms) {
        char actor[400];
        s_actor(p, by, actor, sizeof actor);
        rec->revoked_by = actor;
        rec->revoked_at_ms = ry_clock_now_ms();
        rc = s_put(txn, rec);
        if (!rc)
            rc = s_tell_notification(self, txn, rec);
        if (!rc) {
            s_admit(self, rec);
            ry_info(NULL, "key %.8s... of %s revoked by %s", rec->public_key,
                    rec->org_id, actor);
        }
        rec->revoked_by = NULL;
        /* Reloaded so the reply owns what it points at. */
        ry_pb_free(&rec);
        if (!rc)
            rc = s_get(txn, key, &rec);
    }
    if (rc) {
        ry_pb_free(&rec);
        return s_fail(r, rc, why);
    }
    r->keys = calloc(1, sizeof *r->keys);
    if (!r->keys)
        abort();
    r->keys[0] = rec;
    r->nkeys = 1;
    r->keyr = true;
    return 0;
}

typedef struct {
    ry_txn_t *txn;
    const intake_principal_t *p;
    bool revoked;
    intake_reply_t *r;
    size_t cap;
    int rc;
} s_list_t;

static int
s_list_one(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_list_t *l = arg;
    Rongyu__KeyRecord *rec = (Rongyu__KeyRecord *)ry_pb_unpack(
        &rongyu__key_record__descriptor, val->data, val->len, 0);
    if (!rec) {
        l->rc = RY_EIO;
        return 1;
    }
    bool show = l->revoked || !rec->revoked_at_ms;
    if (show && strcmp(rec->org_id, l->p->org_id) != 0) {
        int rc = s_may_manage(l->txn, l->p, rec->org_id, rec->role, NULL, 0);
        if (rc && rc != RY_EPERM) {
            l->rc = rc;
            ry_pb_free(&rec);
            return 1;
        }
        show = rc == 0;
    }
    if (!show) {
        ry_pb_free(&rec);
        return 0;
    }
    intake_reply_t *r = l->r;
    if (r->nkeys == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        r->keys = realloc(r->keys, l->cap * sizeof *r->keys);
        if (!r->keys)
            abort();
    }
    r->keys[r->nkeys++] = rec;
    return 0;
}

int
intake_keys_request(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    const Rongyu__KeyRecord *by, intake_reply_t *r)
{
    switch (req->body_case) {
    case RONGYU__REQUEST__BODY_KEY_ADD:
        return s_add(self, txn, req->key_add, p, by, r);
    case RONGYU__REQUEST__BODY_KEY_REVOKE:
        return s_revoke(self, txn, req->key_revoke->public_key, p, by, r);
    case RONGYU__REQUEST__BODY_KEY_LIST: {
        s_list_t l = {txn, p, req->key_list->revoked, r, 0, 0};
        int rc = ry_txn_scan(txn, "keys", NULL, 0, NULL, 0, s_list_one, &l);
        r->keyr = true;
        return rc ? rc : l.rc;
    }
    default:
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_UNSUPPORTED,
                                 "不支持请求 %d。request body %d",
                                 (int)req->body_case, (int)req->body_case);
    }
}
