/* ry_principal: whom a request acts as. */
#include "ry_principal.h"

#include "ry_error.h"
#include "ry_keys.h"
#include "ry_pb.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The role strings and the Role each names. */
static const struct {
    const char *name;
    Rongyu__Role role;
} s_roles[] = {
    {"grassroots", RONGYU__ROLE__ROLE_GRASSROOTS},
    {"branch", RONGYU__ROLE__ROLE_BRANCH},
    {"group", RONGYU__ROLE__ROLE_UNION_GROUP},
    {"unit", RONGYU__ROLE__ROLE_UNIT},
    {"city", RONGYU__ROLE__ROLE_CITY},
    {"platform", RONGYU__ROLE__ROLE_PLATFORM},
};

const char *
ry_principal_role_name(Rongyu__Role role)
{
    for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++)
        if (s_roles[i].role == role)
            return s_roles[i].name;
    return "";
}

int
ry_principal_role(const Rongyu__Principal *p, Rongyu__Role *kind, char *why,
                  size_t len)
{
    const char *ro = p->role ? p->role : "";
    *kind = p->kind;
    if (*ro) {
        Rongyu__Role named = RONGYU__ROLE__ROLE_UNSPECIFIED;
        for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++)
            if (strcmp(ro, s_roles[i].name) == 0)
                named = s_roles[i].role;
        if (named == RONGYU__ROLE__ROLE_UNSPECIFIED) {
            snprintf(why, len,
                     "principal.role: 未知角色「%s」。Unknown role '%s' "
                     "(grassroots, branch, group, unit, city, platform).",
                     ro, ro);
            return RY_EINVAL;
        }
        if (*kind && *kind != named) {
            snprintf(why, len,
                     "principal.kind: %d 与角色「%s」不一致。Kind %d "
                     "disagrees with role '%s'.",
                     (int)*kind, ro, (int)*kind, ro);
            return RY_EINVAL;
        }
        *kind = named;
    }
    if (*kind && !*ry_principal_role_name(*kind)) {
        snprintf(why, len, "principal.kind: 未知取值 %d。Unknown value %d.",
                 (int)*kind, (int)*kind);
        return RY_EINVAL;
    }
    return 0;
}

const char *
ry_principal_role_field(const char *why)
{
    return strncmp(why, "principal.kind", 14) == 0 ? "principal.kind"
                                                   : "principal.role";
}

int
ry_principal_resolve(const Rongyu__KeyRecord *k,
                     const Rongyu__Principal *stated, Rongyu__Principal *eff,
                     char *why, size_t len)
{
    const char *s_org = stated && stated->org_id ? stated->org_id : "";
    const char *s_role = stated && stated->role ? stated->role : "";
    const char *s_user = stated && stated->user ? stated->user : "";
    Rongyu__Role s_kind =
        stated ? stated->kind : RONGYU__ROLE__ROLE_UNSPECIFIED;
    eff->user = (char *)s_user;
    if (strcmp(k->role, "platform") == 0) {
        /* Stating no organisation, the platform acts as itself; stating a
         * role other than its own without the organisation it acts for is
         * refused (principal.org_id missing), never widened to the
         * platform's own rights. */
        bool other_role = (s_kind && s_kind != RONGYU__ROLE__ROLE_PLATFORM) ||
                          (*s_role && strcmp(s_role, "platform") != 0);
        if (!*s_org && other_role) {
            eff->org_id = (char *)"";
            eff->role = (char *)s_role;
            eff->kind = s_kind;
            return 0;
        }
        eff->org_id = (char *)(*s_org ? s_org : k->org_id);
        eff->role = (char *)(*s_org ? s_role : "platform");
        eff->kind = *s_org ? s_kind : RONGYU__ROLE__ROLE_UNSPECIFIED;
        return 0;
    }
    /* The role may be stated by its string or by the enum (Principal.kind);
     * either must name the key's own role. */
    const char *named = ry_principal_role_name(s_kind);
    if (!*s_role && s_kind)
        s_role = *named ? named : "?";
    if ((*s_org && strcmp(s_org, k->org_id) != 0) ||
        (*s_role && strcmp(s_role, k->role) != 0)) {
        snprintf(why, len,
                 "该密钥登记为「%s」（%s），不能以「%s」（%s）的身份操作。"
                 "This key is registered to '%s' as %s; it cannot act for "
                 "'%s' as %s.",
                 k->org_id, k->role, *s_org ? s_org : k->org_id,
                 *s_role ? s_role : k->role, k->org_id, k->role,
                 *s_org ? s_org : k->org_id, *s_role ? s_role : k->role);
        return RY_EPERM;
    }
    eff->org_id = k->org_id;
    eff->role = k->role;
    eff->kind = s_kind; /* a stated kind must agree (checked by the caller) */
    return 0;
}

int
ry_principal_key_record(ry_txn_t *txn, const char *table, const char *key,
                        Rongyu__KeyRecord **out)
{
    *out = NULL;
    if (!key || strnlen(key, RY_KEY_LEN + 1) != RY_KEY_LEN)
        return RY_ENOTFOUND;
    ry_val_t v;
    int rc = ry_txn_get(txn, table, key, RY_KEY_LEN, &v);
    if (rc)
        return rc;
    *out = (Rongyu__KeyRecord *)ry_pb_unpack(&rongyu__key_record__descriptor,
                                             v.data, v.len, 0);
    return *out ? 0 : RY_EIO;
}
