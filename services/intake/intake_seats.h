/* intake_seats: intake's mirror of the quota seats its cases hold, kept
 * from quota's answers (SeatResult), so clients can read the Annex 1 table
 * from intake (the only service they talk to) while quota stays the one
 * that decides. */
#ifndef INTAKE_SEATS_H
#define INTAKE_SEATS_H

#include "rongyu.pb-c.h"
#include "ry_campaign.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>

/* The table: "campaign\0pool\0case_id" -> one mark byte. */
#define INTAKE_SEAT_TABLES "seats"

enum {
    INTAKE_SEAT_PENDING = 'P',   /* reserve asked, no answer yet */
    INTAKE_SEAT_RESERVED = 'R',  /* quota granted the reservation */
    INTAKE_SEAT_CONFIRMED = 'C', /* the city confirmed it */
};

/* The pool a case of application 'a' draws on, as "unit|column" for
 * excellent workers ("|leadership_organ" for the 8 central seats) and
 * "unit|model_home" for model homes, written to pool. Returns false when
 * the honour takes no seat (advanced homes and small homes). */
bool intake_seats_pool(const Rongyu__Application *a, char *pool, size_t len);

/* Sets the mark of case_id in pool (0 deletes it) inside txn. Returns 0,
 * RY_EFULL or RY_EIO. */
int intake_seats_mark(ry_txn_t *txn, const char *campaign, const char *pool,
                      const char *case_id, int mark);

/* Builds the Annex 1 table of campaign c: per unit (only 'unit' when not
 * empty) the township-cadre, grassroots-cadre and model-home rows; then
 * the city-wide leadership-organ and model-home-selected rows. *rows is a
 * new array of *n rows, the caller's to free() (one block: the rows'
 * strings are borrowed from c). Returns 0, RY_ENOTFOUND for an unknown
 * unit, or a store error. */
int intake_seats_table(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
                       Rongyu__QuotaRow **rows, size_t *n);

#endif
