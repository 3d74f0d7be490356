/* intake_bounds: the counts and years of an application within their
 * ranges, checked on the decoded message (a few comparisons: the paths
 * are written only for a refusal). */
#include "intake_bounds.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

/* E_OUT_OF_RANGE at application.<field> when v is over INTAKE_COUNT_MAX;
 * else 0. */
static int
s_count(const char *field, uint64_t v, intake_outcome_t *o)
{
    if (v <= INTAKE_COUNT_MAX)
        return 0;
    char path[96];
    snprintf(path, sizeof path, "application.%s", field);
    return intake_outcome_fail_at(
        o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, path,
        "%s 为 %" PRIu64 "，超出任何工会的人数或个数（至多 %u）。%s is "
        "%" PRIu64 ", more than any union counts (at most %u).",
        field, v, INTAKE_COUNT_MAX, field, v, INTAKE_COUNT_MAX);
}

/* The terms of metrics.<name> when it is counted. */
static int
s_rate(const char *name, const Rongyu__Rate *r, intake_outcome_t *o)
{
    if (!r || r->value_case != RONGYU__RATE__VALUE_COUNTS || !r->counts)
        return 0;
    const Rongyu__Ratio *c = r->counts;
    if (c->num <= INTAKE_COUNT_MAX && c->den <= INTAKE_COUNT_MAX)
        return 0;
    bool num = c->num > INTAKE_COUNT_MAX;
    char field[64];
    snprintf(field, sizeof field, "metrics.%s.counts.%s", name,
             num ? "num" : "den");
    return s_count(field, num ? c->num : c->den, o);
}

int
intake_bounds_check(const Rongyu__Application *a, int campaign_year,
                    intake_outcome_t *o)
{
    int rc = 0;
    const Rongyu__UnionInfo *u = a->union_;
    if (u && ((rc = s_count("union.workers", u->workers, o)) ||
              (rc = s_count("union.members", u->members, o)) ||
              (rc = s_count("union.branch_count", u->branch_count, o)) ||
              (rc = s_count("union.group_count", u->group_count, o)) ||
              (rc = s_count("union.fulltime_cadres", u->fulltime_cadres, o)) ||
              (rc = s_count("union.parttime_cadres", u->parttime_cadres, o))))
        return rc;
    const Rongyu__Metrics *m = a->metrics;
    if (m && ((rc = s_rate("formation", m->formation, o)) ||
              (rc = s_rate("membership", m->membership, o)) ||
              (rc = s_rate("satisfaction", m->satisfaction, o)) ||
              (rc = s_rate("realname", m->realname, o)) ||
              (rc = s_rate("chair_satisfaction", m->chair_satisfaction, o))))
        return rc;
    for (size_t i = 0; i < a->n_held_honours; i++) {
        const Rongyu__HeldHonour *h = a->held_honours[i];
        int y = h ? h->year : 0;
        if (y == 0 || (y >= INTAKE_HONOUR_YEAR_MIN && y <= campaign_year))
            continue;
        char path[64];
        snprintf(path, sizeof path, "application.held_honours[%zu].year", i);
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, path,
            "held_honours[%zu].year 为 %d，不在 %d 年至本届活动的 %d "
            "年之间。held_honours[%zu].year is %d, not a year from %d to "
            "the campaign's, %d.",
            i, y, INTAKE_HONOUR_YEAR_MIN, campaign_year, i, y,
            INTAKE_HONOUR_YEAR_MIN, campaign_year);
    }
    return 0;
}
