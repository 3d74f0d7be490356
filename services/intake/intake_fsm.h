/* intake_fsm: the case lifecycle as one table: (state, event, facts) ->
 * (next state, who may, effects, audit text, notification event). Every
 * change of a case's state at intake is a row of it (intake_cases looks
 * the row up, refuses when there is none, applies its effects);
 * docs/review.md's state table is printed from it. Private to
 * services/intake. */
#ifndef INTAKE_FSM_H
#define INTAKE_FSM_H

#include "intake_orgs.h"
#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What happens to a case: a client's request or a peer's answer. */
typedef enum {
    INTAKE_EV_SUBMIT = 0,   /* SubmitRequest: a new case */
    INTAKE_EV_SAVE_DRAFT,   /* SaveDraftRequest: new, edited or revised */
    INTAKE_EV_SUBMIT_DRAFT, /* SubmitDraftRequest */
    INTAKE_EV_POSTING,      /* PostingStartRequest */
    INTAKE_EV_VERDICT,      /* ValidationResult */
    INTAKE_EV_APPROVE,      /* ReviewRequest{approve} */
    INTAKE_EV_RETURN,       /* ReviewRequest{return} */
    INTAKE_EV_REJECT,       /* ReviewRequest{reject} */
    INTAKE_EV_RECOMMEND,    /* RecommendRequest */
    INTAKE_EV_RESERVED,     /* SeatResult RESERVE */
    INTAKE_EV_AWARD,        /* CityDecisionRequest{award} */
    INTAKE_EV_CONFIRMED,    /* SeatResult CONFIRM */
    INTAKE_EV_NOT_SELECTED, /* CityDecisionRequest{not_selected} */
    INTAKE_EV_WITHDRAW,     /* WithdrawRequest */
    INTAKE_EV_COUNT
} intake_event_t;

/* Facts about the case and the event that choose between rows of the
 * same (state, event). */
enum {
    INTAKE_F_SEAT = 1 << 0,    /* the honour takes a quota seat */
    INTAKE_F_REVISED = 1 << 1, /* revision > 1 */
    INTAKE_F_YES = 1 << 2,     /* verdict eligible; seat granted */
};

/* Effects of a row, applied in this order by intake_cases, all in the
 * request's or message's transaction; then the case is stored with its
 * new state, the audit entry appended and the event sent. */
enum {
    INTAKE_FX_DEADLINE = 1 << 0, /* a unit: refused after its deadline */
    INTAKE_FX_ONCE = 1 << 1,     /* refused while another case of the
                                    applicant (the nominee) is put forward
                                    for the honour in the campaign */
    INTAKE_FX_REVISE = 1 << 2,   /* archive; revision + 1; clear dates */
    INTAKE_FX_DUE = 1 << 3,      /* submitted now; review due date */
    INTAKE_FX_NOTE_CLEAR = 1 << 4,
    INTAKE_FX_NOTE_SET = 1 << 5, /* the note is the opinion */
    INTAKE_FX_RESERVE = 1 << 6,  /* SeatRequest RESERVE; mirror pending */
    INTAKE_FX_CONFIRM = 1 << 7,  /* SeatRequest CONFIRM */
    INTAKE_FX_RELEASE = 1 << 8,  /* SeatRequest RELEASE */
    INTAKE_FX_HELD = 1 << 9,     /* mirror: seat reserved */
    INTAKE_FX_TAKEN = 1 << 10,   /* mirror: seat confirmed */
    INTAKE_FX_FREED = 1 << 11,   /* mirror: seat given back */
    INTAKE_FX_VALIDATE = 1 << 12 /* ValidateCase to validation */
};

/* Why an event is refused in a case's state: the detail of E_BAD_STATE,
 * in Chinese and English. */
typedef struct {
    const char *zh;
    const char *en;
} intake_fsm_refusal_t;

/* One row. 'from' 0 (STATE_UNSPECIFIED) is a case not yet stored. A row
 * with 'refuse' set answers E_BAD_STATE with that text instead. */
typedef struct {
    Rongyu__CaseState from;
    intake_event_t event;
    unsigned need, unless; /* facts that must hold / must not hold */
    Rongyu__CaseState to;
    unsigned effects;
    const char *what;   /* the audit entry */
    const char *notify; /* the CaseEvent's event */
    const intake_fsm_refusal_t *refuse;
} intake_fsm_row_t;

/* What every row of an event shares. */
typedef struct {
    const char *name;    /* "approve" */
    const char *request; /* "`ReviewRequest{approve}` (`rongyu review ...`)" */
    intake_action_t act; /* a client's event: the action authorised */
    const char *who;     /* for the docs: "applicant", "unit", ... */
    intake_fsm_refusal_t refuse; /* E_BAD_STATE text when no row matches */
} intake_fsm_event_t;

/* The row for a case in state 'from' meeting 'facts' on event 'ev', or
 * NULL when the event is refused in that state (the event's text says
 * why). A refusal row (refuse set) is returned as it is. */
const intake_fsm_row_t *intake_fsm_find(Rongyu__CaseState from,
                                        intake_event_t ev, unsigned facts);

/* The event's shared description; ev must be < INTAKE_EV_COUNT. */
const intake_fsm_event_t *intake_fsm_event(intake_event_t ev);

/* The whole table, *n rows, in its order (borrowed, static). */
const intake_fsm_row_t *intake_fsm_rows(size_t *n);

/* The state's lower-case name ("approved"; "–" for 0). */
const char *intake_fsm_state_name(Rongyu__CaseState st);

/* Writes the table as the Markdown of docs/review.md's state table (one
 * line per event and outcome, the states it applies in joined). Returns 0
 * or -1 on a write error. */
int intake_fsm_markdown(FILE *out);

#endif
