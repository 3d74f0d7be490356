/* ry_principal: whom a request acts as. */
#include "ry_principal.h"

#include "ry_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The role string a Role names ("?" for none known). */
static const char *
s_kind_name(Rongyu__Role kind)
{
    switch (kind) {
    case RONGYU__ROLE__ROLE_GRASSROOTS: return "grassroots";
    case RONGYU__ROLE__ROLE_BRANCH: return "branch";
    case RONGYU__ROLE__ROLE_UNION_GROUP: return "group";
    case RONGYU__ROLE__ROLE_UNIT: return "unit";
    case RONGYU__ROLE__ROLE_CITY: return "city";
    case RONGYU__ROLE__ROLE_PLATFORM: return "platform";
    default: return "?";
    }
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
    if (!*s_role && s_kind)
        s_role = s_kind_name(s_kind);
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
