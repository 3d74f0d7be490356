/* validation_rules: the eligibility rules of a campaign (SPEC §2, §6) applied
 * to one application; a pure function, no I/O and no clock. */
#ifndef VALIDATION_RULES_H
#define VALIDATION_RULES_H

#include "rongyu.pb-c.h"
#include "ry_calendar.h"
#include "ry_campaign.h"

#include <stdint.h>

/* What intake tells of an application beside it (ValidateCase): when it
 * was submitted (0: not yet), the applicant's registered kind (0: not
 * registered), and a case of an earlier campaign in which the same
 * applicant (for a nomination, the same person) was awarded a city
 * honour (NULL or "": none), with that campaign; and for a nomination
 * its organising unit's deadline for recommending to the city when the
 * city extended it ("YYYY-MM-DD"; NULL or "": the campaign's
 * summary_deadline). */
typedef struct {
    int64_t submitted_at_ms;
    Rongyu__OrgKind applicant_kind;
    const char *awarded_case;
    const char *awarded_campaign;
    const char *unit_deadline;
} validation_facts_t;

/* Evaluates every rule of campaign c against app, with what intake tells
 * beside it (facts; NULL: nothing), as submitted at
 * facts->submitted_at_ms (UTC milliseconds since the epoch; the
 * campaign's UTC offset, +8 h for Asia/Shanghai, turns it into the local
 * date).
 *
 * The verdict lists one Rongyu__Check per rule, passed ones too, each with
 * a stable code, its rule number (common/ry_rulecat), the outcome and the
 * threshold and actual value as typed values (docs/rules.md gives each
 * rule's); the texts a person reads are rendered from the rule catalogue
 * (ry_rulecat_render), not made here. Every failure is reported, not
 * only the first.
 * Judgments left to a reviewer (political conditions, model-home
 * innovation, organ cadres' qualities) are checks with needs_review set
 * and passed set. verdict->eligible is true when no check failed;
 * verdict->ruleset is "<campaign id>/<ruleset version>"; decided_at_ms is
 * left 0 for the caller to stamp.
 *
 * c may be NULL (the application's campaign is not known: the verdict is
 * the single failed check R_CAMPAIGN); cal may be NULL (the
 * posting rule then fails with R_CALENDAR_NODATA, as it does when the
 * calendar lacks a year: the rules never guess).
 *
 * Rules, in the order reported (codes):
 *  R_CAMPAIGN           app->campaign_id names campaign c (a loaded one)
 *  R_REQUIRED_HONOUR, R_HONOUR_ENABLED, R_REQUIRED_CATEGORY,
 *  R_CATEGORY_HONOUR    the honour is open and the category may apply for
 *                       it (homes: township, regional federation, joint
 *                       grassroots, single establishment; small homes:
 *                       branch, union group; excellent worker: cadre)
 *  R_ORG_KIND_CATEGORY, R_ORG_KIND_HONOUR   when applicant_kind (the
 *                       applicant's registered kind, from intake) is set:
 *                       the declared category is one that kind may
 *                       declare, and the honour is open to one of them
 *                       (docs/rules.md); no check for an unregistered one
 *  R_DEADLINE           local submission date <= submission_deadline
 *                       (excellent workers: <= summary_deadline, the
 *                       organising units' deadline, or the unit's own
 *                       when the city extended it: facts->unit_deadline)
 *  R_REQUIRED_APPLICANT_ORG, R_REQUIRED_ORGANISING_UNIT,
 *  R_ORGANISING_UNIT    an Annex 1 unit of the campaign
 *  R_REQUIRED_UNION_*, R_UNION_TYPE, R_MEMBERS_LE_WORKERS   (homes)
 *  R_REQUIRED_PERSON_*, R_PERSON_GENDER, R_CADRE_TYPE, R_QUOTA_COLUMN
 *                       (excellent worker; a township/grassroots column
 *                       where the unit's Annex 1 quota is 0 fails)
 *  R_COLUMN_CADRE_TYPE  the Annex 1 column fits the cadre type: leadership
 *                       organ for the organ cadres' type (and organ_cadre
 *                       set then only), township for the township types,
 *                       grassroots for any other (ry_campaign_cadre_type_
 *                       column)
 *  R_FORMATION_MIN, R_MEMBERSHIP_MIN, R_SATISFACTION_MIN, R_REALNAME,
 *  R_CHAIR_SATISFACTION_MIN, R_SCORE_MIN   the thresholds of the
 *                       honour and category, ">=" ("以上"), compared
 *                       exactly: counts as num*100*d >= t*den in integers,
 *                       a stated percent as the exact binary value of the
 *                       double. Membership falls back to union.members /
 *                       union.workers when metrics.membership is absent.
 *                       A missing metric is R_REQUIRED_<METRIC> instead;
 *                       a rate outside 0..100% (or num > den, den 0) is
 *                       R_RATE_RANGE; a score outside 0..100 R_SCORE_RANGE.
 *  R_RATE_COUNTS_AGREE  a membership rate stated as a percentage agrees
 *                       with union.members / union.workers rounded to
 *                       its precision; the threshold is then judged on
 *                       the counts
 *  R_UNION_YEARS_MIN    union_work_since + N years <= submission date
 *                       (29 Feb + N years is 1 Mar when not a leap year)
 *  R_PERSON_DATES       a real birth month no later than the submission,
 *                       and union work (when its start is real) from the
 *                       month of the 16th birthday (minimum working age)
 *  R_FIVE_HAVES, R_HOME_HONOUR_LEVEL       the nominee's home
 *  R_HOLDS_CITY_HONOUR  no still-held honour of city level or higher,
 *                       declared, or awarded by an earlier campaign here
 *                       (facts->awarded_case)
 *  R_DATE_INVALID       every date given is a real date
 *  R_DECL_COMMITTEE, R_DECL_PARTY, R_DECL_CONGRESS   each date given and
 *                       real; for an excellent worker only the dates that
 *                       are given are checked (the notice asks a nominee
 *                       for a posting, not for the homes' procedure)
 *  R_DECL_ORDER         committee study <= party consent <= congress
 *                       approval (the notice's order of the steps), and
 *                       posting start <= posting end, among the dates
 *                       given (dates may share a day); the notice does
 *                       not place the posting against the congress
 *  R_DECL_FUTURE        no declaration date after the submission date
 *  R_POSTING_WORKDAYS   [posting_start, posting_end] holds at least
 *                       posting_min_workdays working days (calendar)
 *  R_CALENDAR_NODATA    the calendar lacks a year the posting touches
 *  R_POSTING_AFTER_SUBMIT  posting_end <= submission date
 *  R_FORM_ATTACHED, R_FORM_MEDIA_TYPE, R_FORM_SIZE   an attachment of kind
 *                       "application_form" whose media type (sniffed from
 *                       content when content is present, otherwise as
 *                       recorded by intake) is allowed and whose size is
 *                       1..max_bytes
 *  R_REQUIRED_DEEDS     deeds text or a "deeds" attachment
 *  R_POLITICAL_REVIEW, R_MODEL_INNOVATION_REVIEW, R_ORGAN_CADRE_REVIEW
 *                       needs_review
 *
 * On success *out is the caller's: free it with validation_verdict_free()
 * alone (it is one arena, not malloc'd piece by piece).
 * Returns 0; RY_EINVAL when app or out is NULL. Out of memory aborts. */
int validation_evaluate(const ry_campaign_t *c, const ry_calendar_t *cal,
                        const Rongyu__Application *app,
                        const validation_facts_t *facts, Rongyu__Verdict **out);

/* Frees *v (a verdict from validation_evaluate()) and sets *v to NULL;
 * safe to call twice. */
void validation_verdict_free(Rongyu__Verdict **v);

/* A copy of str that lives as long as v (a verdict from
 * validation_evaluate()), for a field set on it afterwards: what is
 * malloc'd and hung on v is not freed with it. */
char *validation_verdict_dup(Rongyu__Verdict *v, const char *str);

/* Returns the first check of v with this code (its own or its rule's), or NULL (borrowed from
 * v). */
const Rongyu__Check *validation_verdict_find(const Rongyu__Verdict *v,
                                             const char *code);

#endif
