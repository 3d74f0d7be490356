/* intake_outcome: an operation's result, before it becomes a reply. */
#include "intake_outcome.h"

#include "ry_pb.h"
#include "ry_text.h"

#include <stdio.h>
#include <string.h>

int
intake_outcome_vfail(intake_outcome_t *o, Rongyu__ErrorCode code,
                     const char *field, const char *fmt, va_list ap)
{
    o->code = code;
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    /* A detail names what it refuses, often the client's own text: cut
     * to the buffer (or by a "%.60s"), it stays UTF-8, as a reply must. */
    ry_text_utf8_scrub(o->detail);
    if (field) {
        snprintf(o->field, sizeof o->field, "%s", field);
        ry_text_utf8_scrub(o->field);
    }
    return -1;
}

int
intake_outcome_fail(intake_outcome_t *o, Rongyu__ErrorCode code,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    intake_outcome_vfail(o, code, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int
intake_outcome_fail_at(intake_outcome_t *o, Rongyu__ErrorCode code,
                       const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    intake_outcome_vfail(o, code, field ? field : "", fmt, ap);
    va_end(ap);
    return -1;
}

void
intake_outcome_release(intake_outcome_t *o)
{
    ry_pb_free(&o->kase);
}
