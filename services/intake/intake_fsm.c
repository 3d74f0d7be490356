/* intake_fsm: the case lifecycle table and its Markdown. */
#include "intake_fsm.h"

#include <string.h>

#define S_(st) RONGYU__CASE_STATE__##st
#define S_SEAT INTAKE_F_SEAT
#define S_YES INTAKE_F_YES

/* Refusals that several events share. */
#define S_RETURN_OR_REJECT                                                     \
    {                                                                          \
        "只有符合条件、不符合条件或审核通过的案件可以退回或驳回",              \
            "only an eligible, ineligible or approved case can be returned "   \
            "or rejected"                                                      \
    }
#define S_IGNORED                                                              \
    {                                                                          \
        "忽略", "ignored"                                                      \
    }

static const intake_fsm_refusal_t s_wait_quota = {
    "案件正在等待名额服务的答复，请稍后再撤回",
    "it waits for the quota service's answer; withdraw again in a moment"};

/* Rows of one event and outcome stay together: the Markdown joins their
 * states. The first matching row wins. */
static const intake_fsm_row_t s_rows[] = {
    {0, INTAKE_EV_SUBMIT, 0, 0, S_(SUBMITTED),
     INTAKE_FX_DUE | INTAKE_FX_VALIDATE, "submitted", "submitted", NULL},

    {0, INTAKE_EV_SAVE_DRAFT, 0, 0, S_(DRAFT), 0, "draft saved", "draft_saved",
     NULL},
    {S_(DRAFT), INTAKE_EV_SAVE_DRAFT, 0, 0, S_(DRAFT), 0, "draft edited",
     "draft_saved", NULL},
    {S_(RETURNED), INTAKE_EV_SAVE_DRAFT, 0, 0, S_(DRAFT), INTAKE_FX_REVISE,
     "revised", "draft_saved", NULL},

    {S_(DRAFT), INTAKE_EV_SUBMIT_DRAFT, 0, INTAKE_F_REVISED, S_(SUBMITTED),
     INTAKE_FX_DUE | INTAKE_FX_VALIDATE, "submitted", "submitted", NULL},
    {S_(DRAFT), INTAKE_EV_SUBMIT_DRAFT, INTAKE_F_REVISED, 0, S_(SUBMITTED),
     INTAKE_FX_DUE | INTAKE_FX_VALIDATE, "resubmitted", "submitted", NULL},

    {S_(DRAFT), INTAKE_EV_POSTING, 0, 0, S_(DRAFT), 0, "posting recorded",
     "posting_recorded", NULL},

    {S_(SUBMITTED), INTAKE_EV_VERDICT, S_YES, 0, S_(ELIGIBLE), 0, "verdict",
     "eligible", NULL},
    {S_(SUBMITTED), INTAKE_EV_VERDICT, 0, S_YES, S_(INELIGIBLE), 0, "verdict",
     "ineligible", NULL},

    {S_(ELIGIBLE), INTAKE_EV_APPROVE, 0, 0, S_(APPROVED), INTAKE_FX_NOTE_CLEAR,
     "review: approved", "approved", NULL},

    {S_(ELIGIBLE), INTAKE_EV_RETURN, 0, 0, S_(RETURNED), INTAKE_FX_NOTE_CLEAR,
     "review: returned for changes", "returned", NULL},
    {S_(INELIGIBLE), INTAKE_EV_RETURN, 0, 0, S_(RETURNED), INTAKE_FX_NOTE_CLEAR,
     "review: returned for changes", "returned", NULL},
    {S_(APPROVED), INTAKE_EV_RETURN, 0, 0, S_(RETURNED), INTAKE_FX_NOTE_CLEAR,
     "review: returned for changes", "returned", NULL},

    {S_(ELIGIBLE), INTAKE_EV_REJECT, 0, 0, S_(REJECTED), INTAKE_FX_NOTE_CLEAR,
     "review: rejected", "rejected", NULL},
    {S_(INELIGIBLE), INTAKE_EV_REJECT, 0, 0, S_(REJECTED), INTAKE_FX_NOTE_CLEAR,
     "review: rejected", "rejected", NULL},
    {S_(APPROVED), INTAKE_EV_REJECT, 0, 0, S_(REJECTED), INTAKE_FX_NOTE_CLEAR,
     "review: rejected", "rejected", NULL},

    {S_(APPROVED), INTAKE_EV_RECOMMEND, S_SEAT, 0, S_(RECOMMENDING),
     INTAKE_FX_DEADLINE | INTAKE_FX_ONCE | INTAKE_FX_NOTE_CLEAR |
         INTAKE_FX_RESERVE,
     "recommended: seat requested from quota", "recommending", NULL},
    {S_(APPROVED), INTAKE_EV_RECOMMEND, 0, S_SEAT, S_(RECOMMENDED),
     INTAKE_FX_DEADLINE | INTAKE_FX_ONCE | INTAKE_FX_NOTE_CLEAR,
     "recommended to the city", "recommended", NULL},

    {S_(RECOMMENDING), INTAKE_EV_RESERVED, S_YES, 0, S_(RECOMMENDED),
     INTAKE_FX_HELD, "seat granted", "recommended", NULL},
    {S_(RECOMMENDING), INTAKE_EV_RESERVED, 0, S_YES, S_(APPROVED),
     INTAKE_FX_NOTE_SET | INTAKE_FX_FREED, "recommendation refused",
     "recommendation_refused", NULL},

    {S_(RECOMMENDED), INTAKE_EV_AWARD, S_SEAT, 0, S_(SELECTING),
     INTAKE_FX_NOTE_CLEAR | INTAKE_FX_CONFIRM,
     "city: selected; confirmation requested", "selecting", NULL},
    {S_(RECOMMENDED), INTAKE_EV_AWARD, 0, S_SEAT, S_(AWARDED), 0,
     "city: spot-check passed, awarded", "awarded", NULL},

    {S_(SELECTING), INTAKE_EV_CONFIRMED, S_YES, 0, S_(AWARDED), INTAKE_FX_TAKEN,
     "seat confirmed, awarded", "awarded", NULL},
    {S_(SELECTING), INTAKE_EV_CONFIRMED, 0, S_YES, S_(RECOMMENDED),
     INTAKE_FX_NOTE_SET, "selection refused", "selection_refused", NULL},

    {S_(RECOMMENDED), INTAKE_EV_NOT_SELECTED, S_SEAT, 0, S_(NOT_SELECTED),
     INTAKE_FX_RELEASE, "city: not selected; seat released", "not_selected",
     NULL},
    {S_(RECOMMENDED), INTAKE_EV_NOT_SELECTED, 0, S_SEAT, S_(NOT_SELECTED), 0,
     "city: not selected", "not_selected", NULL},

    {S_(DRAFT), INTAKE_EV_WITHDRAW, 0, 0, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(SUBMITTED), INTAKE_EV_WITHDRAW, 0, 0, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(ELIGIBLE), INTAKE_EV_WITHDRAW, 0, 0, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(INELIGIBLE), INTAKE_EV_WITHDRAW, 0, 0, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(RETURNED), INTAKE_EV_WITHDRAW, 0, 0, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(APPROVED), INTAKE_EV_WITHDRAW, 0, 0, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(RECOMMENDED), INTAKE_EV_WITHDRAW, 0, S_SEAT, S_(WITHDRAWN), 0,
     "withdrawn by the applicant", "withdrawn", NULL},
    {S_(RECOMMENDED), INTAKE_EV_WITHDRAW, S_SEAT, 0, S_(WITHDRAWN),
     INTAKE_FX_RELEASE, "withdrawn by the applicant", "withdrawn", NULL},
    {S_(RECOMMENDING), INTAKE_EV_WITHDRAW, 0, 0, 0, 0, NULL, NULL,
     &s_wait_quota},
    {S_(SELECTING), INTAKE_EV_WITHDRAW, 0, 0, 0, 0, NULL, NULL, &s_wait_quota},
};

#define S_NROWS (sizeof s_rows / sizeof s_rows[0])

static const intake_fsm_event_t s_events[INTAKE_EV_COUNT] = {
    [INTAKE_EV_SUBMIT] = {"submit",
                          "`SubmitRequest` (`rongyu submit`)",
                          INTAKE_ACT_APPLY,
                          "applicant",
                          {"提交总是新建案件",
                           "a submission makes a new case"}},
    [INTAKE_EV_SAVE_DRAFT] =
        {"save_draft",
         "`SaveDraftRequest` (`rongyu draft save`)",
         INTAKE_ACT_APPLY,
         "applicant",
         {"只有草稿或退回修改的案件可以编辑",
          "only a draft or a returned case can be edited"}},
    [INTAKE_EV_SUBMIT_DRAFT] = {"submit_draft",
                                "`SubmitDraftRequest` (`rongyu draft submit`)",
                                INTAKE_ACT_APPLY,
                                "applicant",
                                {"只有草稿可以提交",
                                 "only a draft can be submitted"}},
    [INTAKE_EV_POSTING] = {"posting",
                           "`PostingStartRequest` (`rongyu posting start`)",
                           INTAKE_ACT_APPLY,
                           "applicant",
                           {"公示只记录在草稿上（退回的案件可用"
                            "「rongyu draft save FILE --case ID」改为草稿）",
                            "a posting is recorded on a draft (a returned "
                            "case becomes one with 'rongyu draft save FILE "
                            "--case ID')"}},
    [INTAKE_EV_VERDICT] = {"verdict", "ValidationResult (validation service)",
                           INTAKE_ACT_READ, "–", S_IGNORED},
    [INTAKE_EV_APPROVE] = {"approve",
                           "`ReviewRequest{approve}` (`rongyu review "
                           "--decision approve`)",
                           INTAKE_ACT_REVIEW,
                           "unit",
                           {"只有符合条件的案件可以审核通过",
                            "only an eligible case can be approved"}},
    [INTAKE_EV_RETURN] = {"return", "`ReviewRequest{return}`",
                          INTAKE_ACT_REVIEW, "unit", S_RETURN_OR_REJECT},
    [INTAKE_EV_REJECT] = {"reject", "`ReviewRequest{reject}`",
                          INTAKE_ACT_REVIEW, "unit", S_RETURN_OR_REJECT},
    [INTAKE_EV_RECOMMEND] = {"recommend",
                             "`RecommendRequest` (`rongyu recommend`)",
                             INTAKE_ACT_REVIEW,
                             "unit (city for leadership-organ cadres)",
                             {"只有审核通过的案件可以推荐",
                              "only an approved case can be recommended"}},
    [INTAKE_EV_RESERVED] = {"reserved", "SeatResult RESERVE (quota)",
                            INTAKE_ACT_READ, "–", S_IGNORED},
    [INTAKE_EV_AWARD] = {"award",
                         "`CityDecisionRequest{award}` (`rongyu decide "
                         "--decision award`)",
                         INTAKE_ACT_CITY,
                         "city",
                         {"市总工会只对已推荐的案件作出决定",
                          "the city decides only on a recommended case"}},
    [INTAKE_EV_CONFIRMED] = {"confirmed", "SeatResult CONFIRM (quota)",
                             INTAKE_ACT_READ, "–", S_IGNORED},
    [INTAKE_EV_NOT_SELECTED] = {"not_selected",
                                "`CityDecisionRequest{not_selected}`",
                                INTAKE_ACT_CITY,
                                "city",
                                {"市总工会只对已推荐的案件作出决定",
                                 "the city decides only on a recommended "
                                 "case"}},
    [INTAKE_EV_WITHDRAW] = {"withdraw",
                            "`WithdrawRequest` (`rongyu withdraw`)",
                            INTAKE_ACT_APPLY,
                            "applicant",
                            {"已有决定的案件不能撤回",
                             "a decided case cannot be withdrawn"}},
};

const intake_fsm_row_t *
intake_fsm_find(Rongyu__CaseState from, intake_event_t ev, unsigned facts)
{
    for (size_t i = 0; i < S_NROWS; i++) {
        const intake_fsm_row_t *r = &s_rows[i];
        if (r->from == from && r->event == ev && (facts & r->need) == r->need &&
            !(facts & r->unless))
            return r;
    }
    return NULL;
}

const intake_fsm_event_t *
intake_fsm_event(intake_event_t ev)
{
    return &s_events[ev];
}

const intake_fsm_row_t *
intake_fsm_rows(size_t *n)
{
    *n = S_NROWS;
    return s_rows;
}

const char *
intake_fsm_state_name(Rongyu__CaseState st)
{
    static const char *const names[] = {
        [S_(DRAFT)] = "draft",
        [S_(SUBMITTED)] = "submitted",
        [S_(ELIGIBLE)] = "eligible",
        [S_(INELIGIBLE)] = "ineligible",
        [S_(RETURNED)] = "returned",
        [S_(REJECTED)] = "rejected",
        [S_(APPROVED)] = "approved",
        [S_(RECOMMENDING)] = "recommending",
        [S_(RECOMMENDED)] = "recommended",
        [S_(SELECTING)] = "selecting",
        [S_(AWARDED)] = "awarded",
        [S_(NOT_SELECTED)] = "not_selected",
        [S_(WITHDRAWN)] = "withdrawn",
    };
    if (st > 0 && (size_t)st < sizeof names / sizeof names[0] && names[st])
        return names[st];
    return "–";
}

/* The condition of a row in words, for the Markdown. */
static const char *
s_when(const intake_fsm_row_t *r)
{
    unsigned f = r->need | r->unless;
    bool yes = r->need & INTAKE_F_YES;
    if (f & INTAKE_F_YES) {
        if (r->event == INTAKE_EV_VERDICT)
            return yes ? "eligible" : "ineligible";
        return yes ? "granted" : "refused";
    }
    if (f & INTAKE_F_SEAT)
        return r->need & INTAKE_F_SEAT ? "takes a seat" : "no seat";
    if (f & INTAKE_F_REVISED)
        return r->need & INTAKE_F_REVISED ? "revision > 1" : "revision 1";
    return "";
}

static void
s_effects(unsigned fx, char *buf, size_t len)
{
    static const char *const names[] = {
        "summary deadline", "one put forward", "revision + 1",   "due date",
        "note cleared",     "note set",        "RESERVE",        "CONFIRM",
        "RELEASE",          "seat reserved",   "seat confirmed", "seat freed",
        "ValidateCase",
    };
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fx & (1u << i) && at < len) {
            int n =
                snprintf(buf + at, len - at, "%s%s", at ? ", " : "", names[i]);
            at += n > 0 ? (size_t)n : 0;
        }
}

static bool
s_same(const intake_fsm_row_t *a, const intake_fsm_row_t *b)
{
    return a->event == b->event && a->need == b->need &&
           a->unless == b->unless && a->to == b->to &&
           a->effects == b->effects && !a->refuse == !b->refuse &&
           (!a->what || strcmp(a->what, b->what) == 0);
}

int
intake_fsm_markdown(FILE *out)
{
    fprintf(out, "| event | request | who | from | when | to | effects | "
                 "audit | CaseEvent |\n"
                 "|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < S_NROWS;) {
        const intake_fsm_row_t *r = &s_rows[i];
        const intake_fsm_event_t *e = &s_events[r->event];
        char from[300] = "", fx[300];
        size_t j = i, at = 0;
        for (; j < S_NROWS && s_same(&s_rows[j], r); j++) {
            int n =
                snprintf(from + at, sizeof from - at, "%s%s", j > i ? ", " : "",
                         intake_fsm_state_name(s_rows[j].from));
            at += n > 0 ? (size_t)n : 0;
        }
        s_effects(r->effects, fx, sizeof fx);
        if (r->refuse)
            fprintf(out, "| %s | %s | %s | %s | %s | refused: %s | | | |\n",
                    e->name, e->request, e->who, from, s_when(r),
                    r->refuse->en);
        else
            fprintf(out, "| %s | %s | %s | %s | %s | %s | %s | %s%s | %s%s |\n",
                    e->name, e->request, e->who, from, s_when(r),
                    intake_fsm_state_name(r->to), fx, r->what,
                    r->effects & INTAKE_FX_REVISE ? " (revision N)" : "",
                    r->notify,
                    r->event == INTAKE_EV_SAVE_DRAFT
                        ? " (posting_recorded when the posting changed)"
                        : "");
        i = j;
    }
    return ferror(out) ? -1 : 0;
}
