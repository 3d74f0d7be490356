/* ry_campaign: a campaign's rules as data (thresholds, quotas, dates, lists),
 * loaded and validated from JSON; and a registry of campaigns by id. */
#ifndef RY_CAMPAIGN_H
#define RY_CAMPAIGN_H

#include "ry_date.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Honours and applicant categories. The numbers are those of the protobuf
 * enums rongyu.Honour and rongyu.ApplicantCategory. */
typedef enum {
    RY_HONOUR_NONE = 0,
    RY_HONOUR_ADVANCED_HOME = 1,       /* advanced_home */
    RY_HONOUR_MODEL_HOME = 2,          /* model_home */
    RY_HONOUR_ADVANCED_SMALL_HOME = 3, /* advanced_small_home */
    RY_HONOUR_EXCELLENT_WORKER = 4,    /* excellent_worker */
    RY_HONOUR_COUNT = 5
} ry_honour_t;

typedef enum {
    RY_CATEGORY_NONE = 0,
    RY_CATEGORY_TOWNSHIP = 1,             /* township */
    RY_CATEGORY_REGIONAL_FEDERATION = 2,  /* regional_federation */
    RY_CATEGORY_JOINT_GRASSROOTS = 3,     /* joint_grassroots */
    RY_CATEGORY_SINGLE_ESTABLISHMENT = 4, /* single_establishment */
    RY_CATEGORY_BRANCH = 5,               /* branch */
    RY_CATEGORY_UNION_GROUP = 6,          /* union_group */
    RY_CATEGORY_CADRE = 7,                /* cadre */
    RY_CATEGORY_COUNT = 8
} ry_category_t;

/* Annex 1 columns; numbers as rongyu.QuotaColumn. */
typedef enum {
    RY_COLUMN_LEADERSHIP_ORGAN = 1,
    RY_COLUMN_TOWNSHIP = 2,
    RY_COLUMN_GRASSROOTS = 3
} ry_column_t;

/* A threshold given in the file as an integer (90) or a decimal string
 * ("92.5"): the exact value num/den with den a power of ten. 'set' is
 * false when the file does not give this threshold. */
typedef struct {
    bool set;
    uint64_t num;
    uint64_t den;
} ry_threshold_t;

/* What an applicant of one category must meet for one honour. Rates are in
 * percent; "以上" means at least (>=). */
typedef struct {
    ry_threshold_t formation_min;          /* 工会组建率 / coverage */
    ry_threshold_t membership_min;         /* 职工入会率 */
    ry_threshold_t satisfaction_min;       /* 满意率 */
    ry_threshold_t realname_min;           /* 会员实名制率 */
    ry_threshold_t chair_satisfaction_min; /* 对分会主席满意率 */
    ry_threshold_t score_min;              /* 自评得分, points of 100 */
    int union_years_min;                   /* 0: no condition */
    bool five_haves;                       /* the home meets 五有 */
    int home_honour_min_level;             /* rongyu.HonourLevel, 0: none */
} ry_thresholds_t;

typedef struct ry_campaign ry_campaign_t;

/* Loads and validates one campaign file. On success *out is the caller's
 * (free with ry_campaign_destroy()). Returns 0; RY_EIO when the file
 * cannot be read; RY_EMALFORMED when it is not JSON; RY_ECONFIG when a
 * field is missing, of the wrong type, unknown, out of range or
 * inconsistent (thresholds over 100, quota totals that do not add up,
 * unknown honour or category, ...); RY_EINVAL for NULL arguments. On
 * error err gets "file: $.json.path: reason". */
int ry_campaign_load_file(const char *path, ry_campaign_t **out, char *err,
                          size_t errlen);

/* The same from a JSON text of len bytes; 'origin' names it in messages.
 * Returns as ry_campaign_load_file() (never RY_EIO). */
int ry_campaign_load_buffer(const char *origin, const char *json,
                            size_t len, ry_campaign_t **out, char *err,
                            size_t errlen);

/* Loads the default campaign (hangzhou-2018), embedded in the library at
 * build time from campaigns/hangzhou-2018.json. Returns as
 * ry_campaign_load_buffer(). */
int ry_campaign_load_default(ry_campaign_t **out, char *err, size_t errlen);

/* Frees *c (if any) and sets *c to NULL; safe to call twice. */
void ry_campaign_destroy(ry_campaign_t **c);

/* Accessors. Returned strings are borrowed and live as long as c. */
const char *ry_campaign_id(const ry_campaign_t *c);
int ry_campaign_year(const ry_campaign_t *c);
const char *ry_campaign_name(const ry_campaign_t *c);
const char *ry_campaign_ruleset_version(const ry_campaign_t *c);
const char *ry_campaign_timezone(const ry_campaign_t *c);
/* Minutes east of UTC used for deadlines (Asia/Shanghai: 480). */
int ry_campaign_utc_offset_minutes(const ry_campaign_t *c);
ry_date_t ry_campaign_submission_deadline(const ry_campaign_t *c);
ry_date_t ry_campaign_summary_deadline(const ry_campaign_t *c);
int ry_campaign_review_months(const ry_campaign_t *c);
int ry_campaign_posting_min_workdays(const ry_campaign_t *c);

/* When the organising unit's review (验家) of a case submitted at
 * submitted_ms is due: the local submission date (the campaign's UTC
 * offset) plus review_months calendar months, the day clamped to the
 * month's end (01-31 -> 02-28); the review is in time until the end of
 * that day. Sets *due (may be NULL) and returns the last millisecond of
 * that day; returns 0 when c is NULL, review_months is 0 or the instant is
 * out of range. Intake stores it as Case.review_due_ms (overdue when the
 * clock is past it); notification's review timers use the same date. */
int64_t ry_campaign_review_due(const ry_campaign_t *c, int64_t submitted_ms,
                               ry_date_t *due);

/* Returns true when honour h is open in this campaign. */
bool ry_campaign_honour_enabled(const ry_campaign_t *c, ry_honour_t h);
/* Returns the city-wide quota of honour h, or -1 when it has none. */
int ry_campaign_honour_quota(const ry_campaign_t *c, ry_honour_t h);
/* Returns how many of honour h one organising unit may recommend, or -1
 * when unlimited (model_home: 1). */
int ry_campaign_per_unit_limit(const ry_campaign_t *c, ry_honour_t h);
/* Returns the thresholds an applicant of category cat must meet for h, or
 * NULL when cat may not apply for h in this campaign (borrowed). */
const ry_thresholds_t *ry_campaign_thresholds(const ry_campaign_t *c,
                                              ry_honour_t h,
                                              ry_category_t cat);

/* 工会类型 (Annexes 2, 3) and Annex 4 类型: true when s is on the list. */
bool ry_campaign_union_type_valid(const ry_campaign_t *c, const char *s);
bool ry_campaign_cadre_type_valid(const ry_campaign_t *c, const char *s);
/* The Annex 1 column (ry_column_t) a nominee of Annex 4 类型 s belongs
 * in: leadership organ or township when s is on that column's list
 * ($.excellent_worker_quota.columns, or the 2018 notice's), grassroots
 * for every other type; 0 when s is not on the 类型 list (or NULL). */
int ry_campaign_cadre_type_column(const ry_campaign_t *c, const char *s);
size_t ry_campaign_union_type_count(const ry_campaign_t *c);
const char *ry_campaign_union_type_at(const ry_campaign_t *c, size_t i);
size_t ry_campaign_cadre_type_count(const ry_campaign_t *c);
const char *ry_campaign_cadre_type_at(const ry_campaign_t *c, size_t i);

/* The organising units of Annex 1, in file order. */
size_t ry_campaign_unit_count(const ry_campaign_t *c);
/* Returns the name of unit i, or NULL when i is out of range. */
const char *ry_campaign_unit_name(const ry_campaign_t *c, size_t i);
/* Returns the index of the unit called name, or -1. */
int ry_campaign_unit_find(const ry_campaign_t *c, const char *name);
/* Returns unit i's excellent-worker quota in column col (township or
 * grassroots), or -1 for a bad index or column. */
int ry_campaign_unit_quota(const ry_campaign_t *c, size_t i, ry_column_t col);
/* The leadership-organ seats assigned centrally (8 in 2018). */
int ry_campaign_leadership_organ_seats(const ry_campaign_t *c);

/* Attachment limits: the size cap in bytes, and whether a stamped form
 * may have media type mt (application/pdf, image/jpeg, image/png). */
uint64_t ry_campaign_attachment_max_bytes(const ry_campaign_t *c);
bool ry_campaign_form_media_allowed(const ry_campaign_t *c, const char *mt);

/* Name <-> enum for the JSON keys ("advanced_home", "township", ...).
 * The parsers return RY_HONOUR_NONE / RY_CATEGORY_NONE when unknown; the
 * names are static strings ("" when unknown). */
ry_honour_t ry_honour_from_name(const char *s);
const char *ry_honour_name(ry_honour_t h);
ry_category_t ry_category_from_name(const char *s);
const char *ry_category_name(ry_category_t cat);

/* ---------------------------------------------------------- registry */

typedef struct ry_campaigns ry_campaigns_t;

/* Creates a registry holding the default campaign. *out is the caller's
 * (free with ry_campaigns_destroy()). Returns 0, RY_EINVAL, RY_ECONFIG
 * (the embedded default does not load: a build error) or -ENOMEM. */
int ry_campaigns_new(ry_campaigns_t **out);

/* Frees *reg and every campaign in it; sets *reg to NULL. */
void ry_campaigns_destroy(ry_campaigns_t **reg);

/* Adds *c, taking ownership (sets *c to NULL). A campaign with the same id
 * is replaced (and freed). Returns 0, RY_EINVAL or -ENOMEM (then *c is
 * still the caller's). */
int ry_campaigns_add(ry_campaigns_t *reg, ry_campaign_t **c);

/* Loads every "*.json" file of dir (in name order) and adds them. All or
 * nothing: when a file fails, or two files share an id, nothing is added,
 * the error names the file and field, and the registry is unchanged.
 * Returns 0, RY_EIO (dir unreadable), or an error of
 * ry_campaign_load_file(); RY_EEXIST for a duplicate id in dir. */
int ry_campaigns_load_dir(ry_campaigns_t *reg, const char *dir, char *err,
                          size_t errlen);

/* Returns the campaign with this id or NULL (borrowed: valid until the
 * registry is changed or destroyed). */
const ry_campaign_t *ry_campaigns_find(const ry_campaigns_t *reg,
                                       const char *id);

size_t ry_campaigns_count(const ry_campaigns_t *reg);
/* Returns campaign i (in the order added) or NULL; borrowed as above. */
const ry_campaign_t *ry_campaigns_at(const ry_campaigns_t *reg, size_t i);

#endif
