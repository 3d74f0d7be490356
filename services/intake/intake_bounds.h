/* intake_bounds: the ranges of the numbers of an application that intake
 * takes (docs/protocol.md, "Data formats"): a count no union reaches, or
 * a year an honour cannot be from, is refused before anything is stored.
 * Whether a value meets the campaign's rules (a rate of 120%, too few
 * members) stays validation's verdict. Private to services/intake. */
#ifndef INTAKE_BOUNDS_H
#define INTAKE_BOUNDS_H

#include "intake_outcome.h"
#include "rongyu.pb-c.h"

/* The largest count an application may give: union.workers, .members,
 * .branch_count, .group_count, .fulltime_cadres, .parttime_cadres, and
 * each term (num, den) of a counted rate of metrics. China has fewer
 * than a billion workers, so no union comes near it; and below it every
 * count is exact as a double, fits Quantity.count (int64) in a verdict,
 * and the products the rules make of counts (validation_rules:
 * num x 100 x a threshold's den, num x 200 x 10^k) stay far inside their
 * 128 bits, a product of two counts inside 64. */
#define INTAKE_COUNT_MAX 1000000000u

/* The earliest year a held honour may be from (HeldHonour.year): the
 * founding of the People's Republic, before any of the honours the
 * notice names existed. The latest is the campaign's own year: an honour
 * is held once conferred. 0 is a year not given. No rule reads the year
 * (R_HOLDS_CITY_HONOUR reads the level and still_held). */
#define INTAKE_HONOUR_YEAR_MIN 1949

/* Checks every count and year of application a, of a campaign of year
 * campaign_year, against the bounds above. Returns 0, or -1 after
 * intake_outcome_fail_at with E_OUT_OF_RANGE naming the first field out
 * of range by its path from the request's body
 * ("application.union.workers", "application.metrics.membership.counts.num",
 * "application.held_honours[2].year"). a stays the caller's. */
int intake_bounds_check(const Rongyu__Application *a, int campaign_year,
                        intake_outcome_t *o);

#endif
