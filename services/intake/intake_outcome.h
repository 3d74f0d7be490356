/* intake_outcome: what an operation of the case store comes to: OK with
 * the case as stored, or a client's refusal (an error code, its detail,
 * the offending field, a retry hint). intake_requests turns it into a
 * rongyu.Reply (intake_reply). Private to services/intake. */
#ifndef INTAKE_OUTCOME_H
#define INTAKE_OUTCOME_H

#include "rongyu.pb-c.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Start one as {.code = RONGYU__ERROR_CODE__OK}. */
typedef struct intake_outcome {
    Rongyu__ErrorCode code;
    char detail[512];
    /* Reply.field_path: relative to the request's body (e.g.
     * "application.organising_unit"), or from Request itself when
     * field_top. */
    char field[160];
    bool field_top;
    uint32_t retry_after_ms;
    Rongyu__Case *kase; /* OK: the case as stored; owned (ry_pb) */
    /* The number of the last audit entry the operation wrote, and its
     * case's id (empty: none written), so that what is kept of the answer
     * (intake_idem) names it without looking it up again. A case id's
     * bytes and its NUL (INTAKE_ID_LEN + 1, held to it in intake_cases). */
    char audit_case[17];
    uint64_t audit_seq;
} intake_outcome_t;

/* Sets o's code and its detail (printf-style, cut at 511 bytes). Always
 * returns -1, so an operation can return its result. */
int intake_outcome_fail(intake_outcome_t *o, Rongyu__ErrorCode code,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As intake_outcome_fail, naming the offending field ('field', relative
 * to the request's body). */
int intake_outcome_fail_at(intake_outcome_t *o, Rongyu__ErrorCode code,
                           const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The va_list form of intake_outcome_fail_at (field NULL: none). */
int intake_outcome_vfail(intake_outcome_t *o, Rongyu__ErrorCode code,
                         const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Frees the case o owns; o itself stays the caller's. */
void intake_outcome_release(intake_outcome_t *o);

#endif
