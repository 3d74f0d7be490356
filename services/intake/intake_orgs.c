/* intake_orgs: the organisation tree and who may do what to a case. */
#include "intake_orgs.h"

#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_principal.h"
#include "ry_str.h"
#include "ry_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_DEPTH 32
#define S_MAX_ID RY_ORG_ID_MAX
/* The longest name of an organisation, in bytes. */
#define S_MAX_NAME 400

int
intake_why(char *why, size_t len, int rc, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static bool
s_empty(const char *s)
{
    return !s || !*s;
}

static const char *
s_kind_name(Rongyu__OrgKind k)
{
    switch (k) {
    case RONGYU__ORG_KIND__ORG_GRASSROOTS: return "grassroots";
    case RONGYU__ORG_KIND__ORG_BRANCH: return "branch";
    case RONGYU__ORG_KIND__ORG_GROUP: return "group";
    case RONGYU__ORG_KIND__ORG_UNIT: return "unit";
    case RONGYU__ORG_KIND__ORG_CITY: return "city";
    case RONGYU__ORG_KIND__ORG_TOWNSHIP: return "township";
    case RONGYU__ORG_KIND__ORG_FEDERATION: return "federation";
    case RONGYU__ORG_KIND__ORG_JOINT: return "joint";
    default: return "?";
    }
}

/* A grassroots union of any applicant category (the kinds that apply for
 * homes). */
static bool
s_grassroots(Rongyu__OrgKind k)
{
    return k == RONGYU__ORG_KIND__ORG_GRASSROOTS ||
           k == RONGYU__ORG_KIND__ORG_TOWNSHIP ||
           k == RONGYU__ORG_KIND__ORG_FEDERATION ||
           k == RONGYU__ORG_KIND__ORG_JOINT;
}

const char *
intake_principal_actor(const intake_principal_t *p, char *buf, size_t len)
{
    const char *via = p->via ? p->via : "";
    if (s_empty(p->user))
        ry_str_cat(buf, len, p->org_id, *via ? " via " : "", via, (char *)NULL);
    else
        ry_str_cat(buf, len, p->org_id, " (", p->user, ")", *via ? " via " : "",
                   via, (char *)NULL);
    return buf;
}

int
intake_principal_parse(const Rongyu__Principal *p, intake_principal_t *out,
                       char *why, size_t len)
{
    if (!p || s_empty(p->org_id))
        return intake_why(why, len, RY_ENOTFOUND, "principal.org_id");
    Rongyu__Role kind;
    int rc = ry_principal_role(p, &kind, why, len);
    if (rc)
        return rc;
    switch (kind) {
    case RONGYU__ROLE__ROLE_GRASSROOTS:
    case RONGYU__ROLE__ROLE_BRANCH:
    case RONGYU__ROLE__ROLE_UNION_GROUP:
        out->role = INTAKE_ROLE_GRASSROOTS;
        break;
    case RONGYU__ROLE__ROLE_UNIT: out->role = INTAKE_ROLE_UNIT; break;
    case RONGYU__ROLE__ROLE_CITY: out->role = INTAKE_ROLE_CITY; break;
    case RONGYU__ROLE__ROLE_PLATFORM: out->role = INTAKE_ROLE_PLATFORM; break;
    case RONGYU__ROLE__ROLE_UNSPECIFIED:
        return intake_why(why, len, RY_ENOTFOUND, "principal.kind");
    default:
        return intake_why(
            why, len, RY_EINVAL,
            "principal.kind: 未知取值 %d。principal.kind: unknown value %d",
            (int)kind, (int)kind);
    }
    out->kind = kind;
    out->org_id = p->org_id;
    out->user = p->user ? p->user : "";
    out->via = NULL;
    return 0;
}

int
intake_orgs_get(ry_txn_t *txn, const char *id, Rongyu__Organisation **out)
{
    *out = NULL;
    if (s_empty(id) || strlen(id) > S_MAX_ID)
        return RY_ENOTFOUND;
    ry_val_t v;
    int rc = ry_txn_get(txn, "orgs", id, strlen(id), &v);
    if (rc)
        return rc;
    *out = (Rongyu__Organisation *)ry_pb_unpack(
        &rongyu__organisation__descriptor, v.data, v.len, 0);
    return *out ? 0 : RY_EIO;
}

/* The registered principal, or NULL when it is not registered. Checks that
 * a registered principal's kind matches its role. */
static int
s_principal_org(ry_txn_t *txn, const intake_principal_t *p,
                Rongyu__Organisation **org, char *why, size_t len)
{
    int rc = intake_orgs_get(txn, p->org_id, org);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    Rongyu__OrgKind k = (*org)->kind;
    bool ok;
    switch (p->role) {
    case INTAKE_ROLE_GRASSROOTS:
        /* ROLE_BRANCH and ROLE_UNION_GROUP name the kind exactly. */
        ok = p->kind == RONGYU__ROLE__ROLE_BRANCH
                 ? k == RONGYU__ORG_KIND__ORG_BRANCH
             : p->kind == RONGYU__ROLE__ROLE_UNION_GROUP
                 ? k == RONGYU__ORG_KIND__ORG_GROUP
                 : (s_grassroots(k) || k == RONGYU__ORG_KIND__ORG_BRANCH ||
                    k == RONGYU__ORG_KIND__ORG_GROUP);
        break;
    case INTAKE_ROLE_UNIT: ok = k == RONGYU__ORG_KIND__ORG_UNIT; break;
    case INTAKE_ROLE_CITY: ok = k == RONGYU__ORG_KIND__ORG_CITY; break;
    default: ok = true; break;
    }
    if (!ok) {
        intake_why(why, len, RY_EPERM,
              "「%s」登记为 %s 类组织，不能以该角色行事。'%s' is registered "
              "as a %s organisation and cannot act in that role.",
              p->org_id, s_kind_name(k), p->org_id, s_kind_name(k));
        ry_pb_free(org);
        return RY_EPERM;
    }
    return 0;
}

int
intake_principal_unit(ry_txn_t *txn, const intake_principal_t *p, char *out,
                      size_t len)
{
    if (p->role != INTAKE_ROLE_UNIT)
        return RY_EPERM;
    Rongyu__Organisation *org = NULL;
    int rc = s_principal_org(txn, p, &org, NULL, 0);
    if (rc)
        return rc;
    snprintf(out, len, "%s", org ? org->organising_unit : p->org_id);
    ry_pb_free(&org);
    return 0;
}

/* Registered organisation 'id', or NULL when it is not one (or cannot be
 * read); valid until the getter's next call. */
typedef const Rongyu__Organisation *(*s_org_fn)(void *arg, const char *id);

/* True when organisation o lies under grassroots union 'who' by branch
 * and group links (each a registered parent): the one rule by which a
 * union acts for its branches and groups, whether the organisations come
 * from the store (s_owns) or from a list of them all
 * (intake_orgs_family). */
static bool
s_lies_under(const Rongyu__Organisation *o, const char *who, s_org_fn get,
             void *arg)
{
    for (int depth = 0; o && depth < S_MAX_DEPTH; depth++) {
        if ((o->kind != RONGYU__ORG_KIND__ORG_BRANCH &&
             o->kind != RONGYU__ORG_KIND__ORG_GROUP) ||
            s_empty(o->parent_id))
            return false;
        if (strcmp(o->parent_id, who) == 0)
            return true;
        o = get(arg, o->parent_id);
    }
    return false;
}

/* s_org_fn over the store: the organisation read last is kept (and
 * freed at the next read); a store error other than "not found" is kept
 * in rc. */
typedef struct {
    ry_txn_t *txn;
    Rongyu__Organisation *cur;
    int rc;
} s_store_orgs_t;

static const Rongyu__Organisation *
s_store_org(void *arg, const char *id)
{
    s_store_orgs_t *st = arg;
    char buf[S_MAX_ID + 1];
    snprintf(buf, sizeof buf, "%s", id); /* id may be cur's */
    ry_pb_free(&st->cur);
    int rc = intake_orgs_get(st->txn, buf, &st->cur);
    if (rc && rc != RY_ENOTFOUND)
        st->rc = rc;
    return rc ? NULL : st->cur;
}

/* True when grassroots union 'who' is 'org' or 'org' is a branch or group
 * under it (following registered parent links). */
static int
s_owns(ry_txn_t *txn, const char *who, const char *org, bool *yes)
{
    *yes = strcmp(who, org) == 0;
    if (*yes)
        return 0;
    s_store_orgs_t st = {.txn = txn};
    *yes = s_lies_under(s_store_org(&st, org), who, s_store_org, &st);
    ry_pb_free(&st.cur);
    return st.rc;
}

static bool
s_leadership_organ(const Rongyu__Application *a)
{
    return a && a->honour == RONGYU__HONOUR__EXCELLENT_WORKER && a->person &&
           a->person->column == RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN;
}

int
intake_authorize(ry_txn_t *txn, const intake_principal_t *p,
                 intake_action_t act, const Rongyu__Application *a, char *why,
                 size_t len)
{
    Rongyu__Organisation *me = NULL;
    int rc = s_principal_org(txn, p, &me, why, len);
    if (rc)
        return rc;
    const char *org = a ? a->applicant_org : "";
    const char *unit = a ? a->organising_unit : "";
    bool city = p->role == INTAKE_ROLE_CITY || p->role == INTAKE_ROLE_PLATFORM;
    bool ok = false;
    switch (act) {
    case INTAKE_ACT_READ:
    case INTAKE_ACT_APPLY:
        if (city) {
            ok = act == INTAKE_ACT_READ || p->role == INTAKE_ROLE_PLATFORM ||
                 strcmp(p->org_id, org) == 0;
        } else if (p->role == INTAKE_ROLE_UNIT) {
            ok = strcmp(p->org_id, org) == 0;
            if (!ok && act == INTAKE_ACT_READ)
                ok = strcmp(me ? me->organising_unit : p->org_id, unit) == 0;
        } else {
            rc = s_owns(txn, p->org_id, org, &ok);
        }
        if (!rc && !ok)
            intake_why(why, len, RY_EPERM,
                  act == INTAKE_ACT_APPLY
                      ? "「%s」不能代「%s」申报。'%s' may not act for "
                        "applicant '%s'."
                      : "「%s」不能查看「%s」的案件。'%s' may not see the "
                        "cases of '%s'.",
                  p->org_id, org, p->org_id, org);
        break;
    case INTAKE_ACT_REVIEW:
        if (s_leadership_organ(a)) {
            ok = city;
            if (!ok)
                intake_why(why, len, RY_EPERM,
                      "工会领导机关干部由市总工会基层工作部审核推荐，不由"
                      "「%s」。Leadership-organ cadres are reviewed and "
                      "recommended by the city department, not by '%s'.",
                      p->org_id, p->org_id);
        } else if (p->role == INTAKE_ROLE_UNIT) {
            const char *mine = me ? me->organising_unit : p->org_id;
            ok = strcmp(mine, unit) == 0;
            if (!ok)
                intake_why(why, len, RY_EPERM,
                      "「%s」只能审核%s的案件，不能审核%s的。'%s' reviews only "
                      "the cases of %s, not of %s.",
                      p->org_id, mine, unit, p->org_id, mine, unit);
        } else {
            intake_why(why, len, RY_EPERM,
                  "只有组织单位审核和推荐；「%s」的角色是%s。Only the "
                  "organising unit reviews and recommends; '%s' acts as %s.",
                  p->org_id, city ? "市总工会" : "基层工会", p->org_id,
                  city ? "the city" : "a grassroots union");
        }
        break;
    case INTAKE_ACT_CITY:
        ok = city;
        if (!ok)
            intake_why(why, len, RY_EPERM,
                  "只有市总工会基层工作部可以这样做，「%s」不可以。Only the "
                  "city department may do that, not '%s'.",
                  p->org_id, p->org_id);
        break;
    }
    ry_pb_free(&me);
    if (rc)
        return rc;
    return ok ? 0 : RY_EPERM;
}

int
intake_orgs_check_application(ry_txn_t *txn, const Rongyu__Application *a,
                              char *why, size_t len)
{
    Rongyu__Organisation *o = NULL;
    int rc = intake_orgs_get(txn, a->applicant_org, &o);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (!s_empty(a->organising_unit) &&
        strcmp(o->organising_unit, a->organising_unit) != 0)
        rc = intake_why(
            why, len, RY_EINVAL,
            "application.organising_unit: 「%.64s」登记在%.64s之下，"
            "不在%.64s之下。application.organising_unit: '%s' is "
            "registered under %s, not %s",
            a->applicant_org, o->organising_unit, a->organising_unit,
            a->applicant_org, o->organising_unit, a->organising_unit);
    else if (o->kind == RONGYU__ORG_KIND__ORG_CITY)
        rc = intake_why(
            why, len, RY_EINVAL,
            "application.applicant_org: 「%.64s」是市总工会基层工作部，"
            "不能申报。application.applicant_org: '%s' is the city "
            "department",
            a->applicant_org, a->applicant_org);
    ry_pb_free(&o);
    return rc;
}

Rongyu__OrgKind
intake_orgs_kind(ry_txn_t *txn, const char *id)
{
    Rongyu__Organisation *o = NULL;
    if (intake_orgs_get(txn, id, &o) != 0)
        return RONGYU__ORG_KIND__ORG_KIND_UNSPECIFIED;
    Rongyu__OrgKind k = o->kind;
    ry_pb_free(&o);
    return k;
}

/* ------------------------------------------------------------ import */

static int
s_cmp_org(const void *x, const void *y)
{
    const Rongyu__Organisation *a = *(Rongyu__Organisation *const *)x;
    const Rongyu__Organisation *b = *(Rongyu__Organisation *const *)y;
    return strcmp(a->id, b->id);
}

typedef struct {
    ry_txn_t *txn;
    Rongyu__Organisation **sorted; /* the file's rows, by id */
    size_t n;
    Rongyu__Organisation *loaded; /* last one read from the store */
} s_view_t;

/* The organisation 'id' as it will be after the import: the file's row,
 * else the stored one (borrowed until the next call). */
static int
s_view_find(s_view_t *v, const char *id, const Rongyu__Organisation **out)
{
    *out = NULL;
    Rongyu__Organisation key = RONGYU__ORGANISATION__INIT;
    key.id = (char *)id;
    Rongyu__Organisation *kp = &key;
    Rongyu__Organisation **hit =
        v->n ? bsearch(&kp, v->sorted, v->n, sizeof *v->sorted, s_cmp_org)
             : NULL;
    if (hit) {
        *out = *hit;
        return 0;
    }
    ry_pb_free(&v->loaded);
    int rc = intake_orgs_get(v->txn, id, &v->loaded);
    if (rc == 0)
        *out = v->loaded;
    return rc;
}

static bool
s_unit_known(const ry_campaigns_t *camps, const char *unit)
{
    for (size_t i = 0; i < ry_campaigns_count(camps); i++)
        if (ry_campaign_unit_find(ry_campaigns_at(camps, i), unit) >= 0)
            return true;
    return false;
}

static bool
s_parent_kind_ok(Rongyu__OrgKind child, Rongyu__OrgKind parent)
{
    switch (child) {
    case RONGYU__ORG_KIND__ORG_UNIT:
        return parent == RONGYU__ORG_KIND__ORG_CITY;
    case RONGYU__ORG_KIND__ORG_GRASSROOTS:
    case RONGYU__ORG_KIND__ORG_TOWNSHIP:
    case RONGYU__ORG_KIND__ORG_FEDERATION:
    case RONGYU__ORG_KIND__ORG_JOINT:
        return parent == RONGYU__ORG_KIND__ORG_UNIT || s_grassroots(parent);
    case RONGYU__ORG_KIND__ORG_BRANCH: return s_grassroots(parent);
    case RONGYU__ORG_KIND__ORG_GROUP:
        return s_grassroots(parent) || parent == RONGYU__ORG_KIND__ORG_BRANCH;
    default: return false;
    }
}

static bool
s_id_ok(const char *s)
{
    if (s_empty(s) || strlen(s) > S_MAX_ID)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* RY_EINVAL for row i, whose id s_id_ok refuses, the reason starting
 * with the field's path (orgs[i].id), which the reply names. */
static int
s_id_refused(const Rongyu__Organisation *o, size_t i, char *why, size_t len)
{
    size_t n = o && o->id ? strlen(o->id) : 0;
    if (n > S_MAX_ID)
        return intake_why(why, len, RY_EINVAL,
                          "orgs[%zu].id: 第 %zu 行：%zu 字节，至多 %d 字节。"
                          "orgs[%zu].id: row %zu: %zu bytes, at most %d",
                          i, i + 1, n, S_MAX_ID, i, i + 1, n, S_MAX_ID);
    return intake_why(why, len, RY_EINVAL,
                      "orgs[%zu].id: 第 %zu 行：id 为空或含控制字符。"
                      "orgs[%zu].id: row %zu: id is empty or holds a control "
                      "character",
                      i, i + 1, i, i + 1);
}

/* Checks row i of the import against the rest. */
static int
s_check_row(s_view_t *v, const ry_campaigns_t *camps,
            const Rongyu__Organisation *o, size_t i, char *why, size_t len)
{
    if (!s_id_ok(o->id))
        return s_id_refused(o, i, why, len);
    if (s_empty(o->name))
        return intake_why(
            why, len, RY_EINVAL,
            "第 %zu 行（%.64s）：名称为空。row %zu (%s): name is empty", i + 1,
            o->id, i + 1, o->id);
    if (strlen(o->name) > S_MAX_NAME)
        return intake_why(why, len, RY_EINVAL,
                          "第 %zu 行（%.64s）：名称为 %zu 字节，至多 %d 字节。"
                          "row %zu (%s): the name is %zu bytes, at most %d",
                          i + 1, o->id, strlen(o->name), S_MAX_NAME, i + 1,
                          o->id, strlen(o->name), S_MAX_NAME);
    if (!s_grassroots(o->kind) && o->kind != RONGYU__ORG_KIND__ORG_BRANCH &&
        o->kind != RONGYU__ORG_KIND__ORG_GROUP &&
        o->kind != RONGYU__ORG_KIND__ORG_UNIT &&
        o->kind != RONGYU__ORG_KIND__ORG_CITY)
        return intake_why(why, len, RY_EINVAL,
                          "第 %zu 行（%.64s）：kind 须为 grassroots、township、"
                          "federation、joint、branch、group、unit 或 city。"
                          "row %zu (%s): kind must be grassroots, township, "
                          "federation, joint, branch, group, unit or city",
                          i + 1, o->id, i + 1, o->id);
    if (o->kind == RONGYU__ORG_KIND__ORG_CITY) {
        if (!s_empty(o->parent_id) || !s_empty(o->organising_unit))
            return intake_why(
                why, len, RY_EINVAL,
                "第 %zu 行（%.64s）：市总工会没有上级，也没有组织单位。"
                "row %zu (%s): the city has no parent and no "
                "organising unit",
                i + 1, o->id, i + 1, o->id);
        return 0;
    }
    if (s_empty(o->organising_unit) || !s_unit_known(camps, o->organising_unit))
        return intake_why(
            why, len, RY_EINVAL,
            "第 %zu 行（%.64s）：组织单位「%.64s」不在任何评选活动的"
            "附件1中。row %zu (%s): organising unit '%s' is not an "
            "Annex 1 row of any campaign",
            i + 1, o->id, o->organising_unit ? o->organising_unit : "", i + 1,
            o->id, o->organising_unit ? o->organising_unit : "");
    if (s_empty(o->parent_id))
        return intake_why(
            why, len, RY_EINVAL,
            "第 %zu 行（%.64s）：上级 id 为空。row %zu (%s): parent id "
            "is empty",
            i + 1, o->id, i + 1, o->id);
    const Rongyu__Organisation *parent;
    int rc = s_view_find(v, o->parent_id, &parent);
    if (rc == RY_ENOTFOUND)
        return intake_why(
            why, len, RY_EINVAL,
            "第 %zu 行（%.64s）：上级「%.64s」既不在文件中，也未登记。"
            "row %zu (%s): parent '%s' is neither in the file nor "
            "registered",
            i + 1, o->id, o->parent_id, i + 1, o->id, o->parent_id);
    if (rc)
        return rc;
    if (!s_parent_kind_ok(o->kind, parent->kind))
        return intake_why(why, len, RY_EINVAL,
                          "第 %zu 行（%.64s）：%s 不能隶属于 %s（「%.64s」）。"
                          "row %zu (%s): a %s cannot be under a %s ('%s')",
                          i + 1, o->id, s_kind_name(o->kind),
                          s_kind_name(parent->kind), o->parent_id, i + 1, o->id,
                          s_kind_name(o->kind), s_kind_name(parent->kind),
                          o->parent_id);
    if (parent->kind != RONGYU__ORG_KIND__ORG_CITY &&
        strcmp(parent->organising_unit, o->organising_unit) != 0)
        return intake_why(
            why, len, RY_EINVAL,
            "第 %zu 行（%.64s）：组织单位「%.64s」与上级的「%.64s」"
            "不同。row %zu (%s): organising unit '%s' differs from "
            "its parent's '%s'",
            i + 1, o->id, o->organising_unit, parent->organising_unit, i + 1,
            o->id, o->organising_unit, parent->organising_unit);
    /* No cycle: the parent chain reaches the city within bounds. */
    char cur[S_MAX_ID + 1];
    snprintf(cur, sizeof cur, "%s", o->parent_id);
    for (int depth = 0; depth <= S_MAX_DEPTH; depth++) {
        if (strcmp(cur, o->id) == 0)
            break;
        const Rongyu__Organisation *p;
        rc = s_view_find(v, cur, &p);
        if (rc == RY_ENOTFOUND)
            return intake_why(
                why, len, RY_EINVAL,
                "第 %zu 行（%.64s）：上级链中的「%.64s」未知。row %zu "
                "(%s): ancestor '%s' is not known",
                i + 1, o->id, cur, i + 1, o->id, cur);
        if (rc)
            return rc;
        if (p->kind == RONGYU__ORG_KIND__ORG_CITY)
            return 0;
        snprintf(cur, sizeof cur, "%s", p->parent_id);
    }
    return intake_why(why, len, RY_EINVAL,
                      "第 %zu 行（%.64s）：上级关系形成循环。row %zu (%s): its "
                      "parent links form a cycle",
                      i + 1, o->id, i + 1, o->id);
}

int
intake_orgs_import(ry_txn_t *txn, const ry_campaigns_t *camps,
                   Rongyu__Organisation *const *orgs, size_t n,
                   intake_import_counts_t *counts, char *why, size_t len)
{
    memset(counts, 0, sizeof *counts);
    if (n == 0)
        return intake_why(why, len, RY_EINVAL,
                          "没有给出任何组织。no organisations given");
    s_view_t v = {txn, calloc(n, sizeof(Rongyu__Organisation *)), n, NULL};
    if (!v.sorted)
        abort();
    memcpy(v.sorted, orgs, n * sizeof *orgs);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (!orgs[i] || !s_id_ok(orgs[i]->id))
            rc = s_id_refused(orgs[i], i, why, len);
    if (!rc) {
        if (n)
            qsort(v.sorted, n, sizeof *v.sorted, s_cmp_org);
        for (size_t i = 1; i < n && !rc; i++)
            if (strcmp(v.sorted[i - 1]->id, v.sorted[i]->id) == 0)
                rc = intake_why(why, len, RY_EINVAL,
                                "id「%.64s」在文件中出现两次。id '%s' appears "
                                "twice in the file",
                                v.sorted[i]->id, v.sorted[i]->id);
    }
    for (size_t i = 0; i < n && !rc; i++)
        rc = s_check_row(&v, camps, orgs[i], i, why, len);
    for (size_t i = 0; i < n && !rc; i++) {
        const Rongyu__Organisation *o = orgs[i];
        Rongyu__Organisation clean = RONGYU__ORGANISATION__INIT;
        clean.id = o->id;
        clean.name = o->name;
        clean.kind = o->kind;
        clean.parent_id = o->parent_id;
        clean.organising_unit = o->organising_unit;
        size_t plen;
        uint8_t *buf = ry_pb_pack(&clean.base, &plen);
        ry_val_t old;
        rc = ry_txn_get(txn, "orgs", o->id, strlen(o->id), &old);
        if (rc == 0 && old.len == plen && memcmp(old.data, buf, plen) == 0) {
            counts->unchanged++;
        } else if (rc == 0 || rc == RY_ENOTFOUND) {
            if (rc == 0)
                counts->updated++;
            else
                counts->added++;
            rc = ry_txn_put(txn, "orgs", o->id, strlen(o->id), buf, plen, 0);
        }
        free(buf);
    }
    ry_pb_free(&v.loaded);
    free(v.sorted);
    if (rc == 0)
        ry_info(NULL,
                "organisations imported: %u added, %u updated, %u "
                "unchanged",
                counts->added, counts->updated, counts->unchanged);
    return rc;
}

typedef struct {
    Rongyu__Organisation **v;
    size_t n, cap;
} s_list_t;

static int
s_list_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_list_t *l = arg;
    Rongyu__Organisation *o = (Rongyu__Organisation *)ry_pb_unpack(
        &rongyu__organisation__descriptor, val->data, val->len, 0);
    if (!o)
        return RY_EIO;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            abort();
    }
    l->v[l->n++] = o;
    return 0;
}

int
intake_orgs_list(ry_txn_t *txn, Rongyu__Organisation ***out, size_t *n)
{
    s_list_t l = {NULL, 0, 0};
    int rc = ry_txn_scan(txn, "orgs", NULL, 0, NULL, 0, s_list_row, &l);
    if (rc) {
        for (size_t i = 0; i < l.n; i++)
            ry_pb_free(&l.v[i]);
        free(l.v);
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

/* s_org_fn over every organisation, in id order (intake_orgs_list). */
typedef struct {
    Rongyu__Organisation **v;
    size_t n;
} s_all_orgs_t;

static int
s_org_id_cmp(const void *id, const void *o)
{
    return strcmp(id, (*(Rongyu__Organisation *const *)o)->id);
}

static const Rongyu__Organisation *
s_listed_org(void *arg, const char *id)
{
    const s_all_orgs_t *all = arg;
    Rongyu__Organisation *const *o =
        bsearch(id, all->v, all->n, sizeof *all->v, s_org_id_cmp);
    return o ? *o : NULL;
}

int
intake_orgs_family(ry_txn_t *txn, const char *who, char ***out, size_t *n)
{
    Rongyu__Organisation **orgs;
    size_t norgs;
    int rc = intake_orgs_list(txn, &orgs, &norgs);
    if (rc)
        return rc;
    char **ids = calloc(norgs + 1, sizeof *ids);
    if (!ids)
        abort();
    size_t k = 0;
    bool self = false;
    s_all_orgs_t all = {orgs, norgs};
    for (size_t i = 0; i < norgs; i++) {
        bool mine = strcmp(orgs[i]->id, who) == 0;
        self |= mine;
        if (mine || s_lies_under(orgs[i], who, s_listed_org, &all))
            ids[k++] = strdup(orgs[i]->id);
    }
    if (!self) /* an unregistered union acts for itself alone */
        ids[k++] = strdup(who);
    for (size_t i = 0; i < k; i++)
        if (!ids[i])
            abort();
    for (size_t i = 0; i < norgs; i++)
        ry_pb_free(&orgs[i]);
    free(orgs);
    *out = ids;
    *n = k;
    return 0;
}
