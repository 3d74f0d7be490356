/* intake_seats: the mirror of quota's seats, and the Annex 1 table. */
#include "intake_seats.h"

#include "ry_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
intake_seats_pool(const Rongyu__Application *a, char *pool, size_t len)
{
    if (!a)
        return false;
    if (a->honour == RONGYU__HONOUR__MODEL_HOME) {
        snprintf(pool, len, "%s|model_home", a->organising_unit);
        return true;
    }
    if (a->honour != RONGYU__HONOUR__EXCELLENT_WORKER)
        return false;
    Rongyu__QuotaColumn col = a->person
                                  ? a->person->column
                                  : RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED;
    switch (col) {
    case RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN:
        snprintf(pool, len, "|leadership_organ");
        return true;
    case RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE:
        snprintf(pool, len, "%s|township_cadre", a->organising_unit);
        return true;
    default:
        /* No column given: the grassroots column, the common case. */
        snprintf(pool, len, "%s|grassroots_cadre", a->organising_unit);
        return true;
    }
}

static int
s_key(char *key, size_t cap, const char *campaign, const char *pool,
      const char *case_id)
{
    int n =
        snprintf(key, cap, "%s%c%s%c%s", campaign, '\0', pool, '\0', case_id);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
intake_seats_mark(ry_txn_t *txn, const char *campaign, const char *pool,
                  const char *case_id, int mark)
{
    char key[800];
    int n = s_key(key, sizeof key, campaign, pool, case_id);
    if (n < 0)
        return RY_EINVAL;
    if (!mark) {
        int rc = ry_txn_del(txn, "seats", key, (size_t)n);
        return rc == RY_ENOTFOUND ? 0 : rc;
    }
    char m = (char)mark;
    return ry_txn_put(txn, "seats", key, (size_t)n, &m, 1, 0);
}

typedef struct {
    char pool[400];
    unsigned used, pending, confirmed;
} s_tally_t;

typedef struct {
    size_t skip; /* campaign + NUL */
    s_tally_t *t;
    size_t n, cap;
} s_scan_t;

static int
s_count(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_scan_t *s = arg;
    const char *k = (const char *)key->data + s->skip;
    size_t left = key->len - s->skip;
    const char *nul = memchr(k, '\0', left);
    if (!nul || (size_t)(nul - k) >= sizeof s->t[0].pool)
        return 0;
    size_t plen = (size_t)(nul - k);
    s_tally_t *t = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->t[i].pool) == plen && memcmp(s->t[i].pool, k, plen) == 0)
            t = &s->t[i];
    if (!t) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 32;
            s->t = realloc(s->t, s->cap * sizeof *s->t);
            if (!s->t)
                abort();
        }
        t = &s->t[s->n++];
        memset(t, 0, sizeof *t);
        memcpy(t->pool, k, plen);
    }
    char m = val->len ? ((const char *)val->data)[0] : 0;
    if (m == INTAKE_SEAT_PENDING)
        t->pending++;
    else
        t->used++;
    if (m == INTAKE_SEAT_CONFIRMED)
        t->confirmed++;
    return 0;
}

static const s_tally_t *
s_find(const s_scan_t *s, const char *pool)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->t[i].pool, pool) == 0)
            return &s->t[i];
    return NULL;
}

static void
s_row(Rongyu__QuotaRow *r, const s_scan_t *s, const char *unit,
      Rongyu__Honour h, Rongyu__QuotaColumn col, const char *suffix, int cap)
{
    Rongyu__QuotaRow init = RONGYU__QUOTA_ROW__INIT;
    *r = init;
    r->organising_unit = (char *)unit;
    r->honour = h;
    r->column = col;
    r->cap = cap;
    char pool[400];
    snprintf(pool, sizeof pool, "%s|%s", unit, suffix);
    const s_tally_t *t = s_find(s, pool);
    if (t) {
        r->used = t->used;
        r->pending = t->pending;
        r->confirmed = t->confirmed;
    }
}

int
intake_seats_table(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
                   Rongyu__QuotaRow **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    const char *camp = ry_campaign_id(c);
    bool one = unit && *unit;
    if (one && ry_campaign_unit_find(c, unit) < 0)
        return RY_ENOTFOUND;
    s_scan_t s = {strlen(camp) + 1, NULL, 0, 0};
    int rc =
        ry_txn_scan(txn, "seats", camp, strlen(camp) + 1, NULL, 0, s_count, &s);
    if (rc) {
        free(s.t);
        return rc;
    }
    size_t units = ry_campaign_unit_count(c);
    Rongyu__QuotaRow *out = calloc(3 * units + 2, sizeof *out);
    if (!out)
        abort();
    size_t k = 0;
    unsigned selected = 0;
    for (size_t i = 0; i < s.n; i++)
        if (strstr(s.t[i].pool, "|model_home"))
            selected += s.t[i].confirmed;
    for (size_t i = 0; i < units; i++) {
        const char *u = ry_campaign_unit_name(c, i);
        if (one && strcmp(u, unit) != 0)
            continue;
        s_row(&out[k++], &s, u, RONGYU__HONOUR__EXCELLENT_WORKER,
              RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE, "township_cadre",
              ry_campaign_unit_quota(c, i, RY_COLUMN_TOWNSHIP));
        s_row(&out[k++], &s, u, RONGYU__HONOUR__EXCELLENT_WORKER,
              RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, "grassroots_cadre",
              ry_campaign_unit_quota(c, i, RY_COLUMN_GRASSROOTS));
        s_row(&out[k++], &s, u, RONGYU__HONOUR__MODEL_HOME,
              RONGYU__QUOTA_COLUMN__MODEL_HOME_RECOMMENDATION, "model_home",
              ry_campaign_per_unit_limit(c, RY_HONOUR_MODEL_HOME));
    }
    s_row(&out[k++], &s, "", RONGYU__HONOUR__EXCELLENT_WORKER,
          RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN, "leadership_organ",
          ry_campaign_leadership_organ_seats(c));
    Rongyu__QuotaRow *city = &out[k++];
    Rongyu__QuotaRow init = RONGYU__QUOTA_ROW__INIT;
    *city = init;
    city->organising_unit = (char *)"";
    city->honour = RONGYU__HONOUR__MODEL_HOME;
    city->column = RONGYU__QUOTA_COLUMN__MODEL_HOME_SELECTION;
    city->used = selected;
    city->confirmed = selected;
    city->cap = ry_campaign_honour_quota(c, RY_HONOUR_MODEL_HOME);
    free(s.t);
    *rows = out;
    *n = k;
    return 0;
}
