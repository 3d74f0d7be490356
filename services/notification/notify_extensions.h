/* notify_extensions: the city's extensions of an organising unit's
 * summary deadline (recommendations to the city and the summary tables,
 * 31 December), as intake tells them (DEADLINE_EXTENSION), and the
 * unit's own reminders against them: summary_remind, summary_due and
 * nomination_posting_last_start_remind at the unit's deadline, to the
 * unit alone, in place of the campaign's, which no longer go to it
 * (notify_extensions_except).
 *
 * Table "extensions": campaign \0 unit -> the newest DeadlineExtension
 * (the one in force; intake keeps the audit trail).
 * Timer ids: "campaign|<id>|unit|<unit>|<until>|summary_remind",
 * "...|summary_due", "...|nomination_posting_last_start_remind". */
#ifndef NOTIFY_EXTENSIONS_H
#define NOTIFY_EXTENSIONS_H

#include "notify_timers.h"
#include "ry_campaign.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTIFY_EXTENSION_TABLES "extensions"

/* Applies one DEADLINE_EXTENSION inside txn: keeps it unless a newer one
 * of the unit is kept (its seq), and plans the unit's reminders against
 * it (at the reminder hour, p->remind_workdays working days before its
 * day, and at the end of that day; the last day a nomination's posting
 * can start to end by it, p->posting_workdays working days before),
 * cancelling those of an earlier one;
 * an extension back to the campaign's deadline (or before it) plans none,
 * and the campaign's reach the unit again. 'camps' gives the campaign (an
 * unknown one is kept, with no reminders). Returns 0, RY_EMALFORMED
 * (not an extension: dead-letter it), RY_EFULL or RY_EIO. */
int notify_extensions_apply(ry_txn_t *txn, const notify_plan_t *p,
                            const ry_campaigns_t *camps, const uint8_t *payload,
                            size_t len, int64_t now);

/* The units of campaign 'campaign' whose extension in force ends after
 * 'deadline' ("YYYY-MM-DD"): those the campaign's summary_remind,
 * summary_due and nomination_posting_last_start_remind leave out
 * (notify_notice_t.left_out). Sets *units (NULL when none; free with
 * notify_extensions_free) and *n. Returns 0 or RY_EIO. */
int notify_extensions_except(ry_txn_t *txn, const char *campaign,
                             const char *deadline, char ***units, size_t *n);
void notify_extensions_free(char **units, size_t n);

#endif
