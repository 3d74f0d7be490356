/* ry_posting: the public posting (公示) rule on the working-day calendar. */
#include "ry_posting.h"

#include "ry_error.h"

#include <stdio.h>
#include <string.h>

ry_date_t
ry_posting_deadline(const ry_campaign_t *c, bool nomination)
{
    return nomination ? ry_campaign_summary_deadline(c)
                      : ry_campaign_submission_deadline(c);
}

int
ry_posting_last_start(const ry_calendar_t *cal, ry_date_t deadline, int need,
                      ry_date_t *out)
{
    if (!cal || !out || need < 1 || !ry_date_valid(deadline))
        return RY_EINVAL;
    /* The need-th working day counting back from the deadline itself. */
    return ry_calendar_workdays_before(cal, ry_date_add_days(deadline, 1), need,
                                       out);
}

/* Parses an optional date: 0 with *has false for NULL or "". */
static int
s_opt_date(const char *s, bool *has, ry_date_t *d)
{
    *has = false;
    if (!s || !*s)
        return 0;
    if (ry_date_parse(s, d) != 0)
        return RY_EINVAL;
    *has = true;
    return 0;
}

int
ry_posting_assess(const ry_calendar_t *cal, const ry_campaign_t *c,
                  bool nomination, const char *start, const char *end,
                  ry_date_t today, ry_posting_t *out)
{
    return ry_posting_assess_by(cal, c, ry_posting_deadline(c, nomination),
                                start, end, today, out);
}

int
ry_posting_assess_by(const ry_calendar_t *cal, const ry_campaign_t *c,
                     ry_date_t deadline, const char *start, const char *end,
                     ry_date_t today, ry_posting_t *out)
{
    memset(out, 0, sizeof *out);
    out->warning = "";
    out->planned = -1;
    if (s_opt_date(start, &out->has_start, &out->start) ||
        s_opt_date(end, &out->has_end, &out->end))
        return RY_EINVAL;
    if (out->has_end && !out->has_start)
        return RY_EINVAL;
    if (out->has_end && ry_date_compare(out->end, out->start) < 0)
        return RY_EINVAL;
    out->need = ry_campaign_posting_min_workdays(c);
    if (out->need < 1)
        out->need = 1;
    out->deadline = deadline;
    out->last_start = out->deadline;
    out->earliest_end = out->deadline;
    out->until = out->deadline;
    /* Each walk, and the year it lacks when it cannot go on: back from
     * the deadline, on from the start, over the planned days. */
    int rc =
        ry_posting_last_start(cal, out->deadline, out->need, &out->last_start);
    out->has_last_start = rc == 0;
    if (rc == RY_ENODATA && out->has_start)
        rc = 0; /* under way, it needs only the days from its start */
    else if (rc == RY_ENODATA)
        out->missing_year = ry_calendar_year_missing_before(cal, out->deadline);
    if (!rc && out->has_start &&
        (rc = ry_calendar_add_workdays(cal, out->start, out->need,
                                       &out->earliest_end)) == RY_ENODATA)
        out->missing_year = ry_calendar_has_year(cal, out->start.y)
                                ? out->start.y + 1
                                : out->start.y;
    if (!rc && out->has_end &&
        (rc = ry_calendar_count_workdays(cal, out->start, out->end,
                                         &out->planned)) == RY_ENODATA)
        for (int y = out->end.y; y >= out->start.y; y--)
            if (!ry_calendar_has_year(cal, y))
                out->missing_year = y;
    if (rc && rc != RY_ENODATA)
        return rc;
    if (rc)
        out->warning = RY_POSTING_W_NODATA;
    if (!out->has_start) {
        out->state = !rc && ry_date_compare(today, out->last_start) > 0
                         ? RY_POSTING_TOO_LATE
                         : RY_POSTING_NOT_STARTED;
    } else {
        /* Without the calendar only what needs none is known: a start
         * after the deadline cannot end by it, a start to come is
         * planned. Complete on 'until' itself: a submission that day
         * qualifies (SPEC §6), as notification's posting_complete says
         * that morning. */
        if (!rc) {
            out->until = out->earliest_end;
            if (out->has_end && ry_date_compare(out->end, out->until) > 0)
                out->until = out->end;
        }
        out->state =
            ry_date_compare(rc ? out->start : out->until, out->deadline) > 0
                ? RY_POSTING_TOO_LATE
            : !rc && ry_date_compare(today, out->until) >= 0
                ? RY_POSTING_COMPLETE
            : ry_date_compare(today, out->start) < 0 ? RY_POSTING_PLANNED
                                                     : RY_POSTING_UNDER_WAY;
        if (out->state != RY_POSTING_TOO_LATE && out->has_end && !rc &&
            out->planned < out->need)
            out->warning = RY_POSTING_W_SHORT;
    }
    if (out->state == RY_POSTING_TOO_LATE)
        out->warning = RY_POSTING_W_TOO_LATE;
    return rc;
}

static const char *const s_wd_zh[] = {"",   "一", "二", "三",
                                      "四", "五", "六", "日"};
static const char *const s_wd_en[] = {"",          "Monday",   "Tuesday",
                                      "Wednesday", "Thursday", "Friday",
                                      "Saturday",  "Sunday"};
static const char *const s_mo_en[] = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};

int
ry_posting_date_zh(ry_date_t d, char *buf, size_t len)
{
    if (!ry_date_valid(d))
        return RY_EINVAL;
    int n = snprintf(buf, len, "%d年%d月%d日（星期%s）", d.y, d.m, d.d,
                     s_wd_zh[ry_date_weekday(d)]);
    return n < 0 || (size_t)n >= len ? RY_EINVAL : 0;
}

int
ry_posting_date_en(ry_date_t d, char *buf, size_t len)
{
    if (!ry_date_valid(d))
        return RY_EINVAL;
    int n = snprintf(buf, len, "%s %d %s %d", s_wd_en[ry_date_weekday(d)], d.d,
                     s_mo_en[d.m], d.y);
    return n < 0 || (size_t)n >= len ? RY_EINVAL : 0;
}

void
ry_posting_explain(const ry_posting_t *p, char *zh, size_t zhlen, char *en,
                   size_t enlen)
{
    char dl_zh[64], dl_en[64], ls_zh[64], ls_en[64], st_zh[64], st_en[64],
        ee_zh[64], ee_en[64], pe_zh[64], pe_en[64], un_zh[64], un_en[64];
    ry_posting_date_zh(p->deadline, dl_zh, sizeof dl_zh);
    ry_posting_date_en(p->deadline, dl_en, sizeof dl_en);
    ry_posting_date_zh(p->last_start, ls_zh, sizeof ls_zh);
    ry_posting_date_en(p->last_start, ls_en, sizeof ls_en);
    ry_posting_date_zh(p->earliest_end, ee_zh, sizeof ee_zh);
    ry_posting_date_en(p->earliest_end, ee_en, sizeof ee_en);
    ry_posting_date_zh(p->until, un_zh, sizeof un_zh);
    ry_posting_date_en(p->until, un_en, sizeof un_en);
    st_zh[0] = st_en[0] = pe_zh[0] = pe_en[0] = '\0';
    if (p->has_start) {
        ry_posting_date_zh(p->start, st_zh, sizeof st_zh);
        ry_posting_date_en(p->start, st_en, sizeof st_en);
    }
    if (p->has_end) {
        ry_posting_date_zh(p->end, pe_zh, sizeof pe_zh);
        ry_posting_date_en(p->end, pe_en, sizeof pe_en);
    }
    bool nodata = strcmp(p->warning, RY_POSTING_W_NODATA) == 0;
    if (zh && zhlen) {
        size_t n = 0;
        zh[0] = '\0';
#define S_ZH(...)                                                              \
    do {                                                                       \
        if (n < zhlen) {                                                       \
            int k_ = snprintf(zh + n, zhlen - n, __VA_ARGS__);                 \
            n += k_ > 0 ? (size_t)k_ : 0;                                      \
        }                                                                      \
    } while (0)
        if (p->has_start && ry_date_compare(p->start, p->deadline) > 0) {
            S_ZH("公示自%s开始，晚于截止日期%s，已无法按时完成。", st_zh,
                 dl_zh);
        } else if (nodata) {
            S_ZH("工作日历缺少 %d 年的数据，无法计算公示日期。",
                 p->missing_year);
        } else if (!p->has_start) {
            S_ZH("尚未开始公示。公示须满%d个工作日；要在%s截止前完成，公示最迟"
                 "须于%s开始。",
                 p->need, dl_zh, ls_zh);
            if (p->state == RY_POSTING_TOO_LATE)
                S_ZH("该日已过，已无法按时完成公示。");
        } else {
            S_ZH(p->state == RY_POSTING_PLANNED
                     ? "公示定于%s开始，须满%d个工作日，最早可于%s结束。"
                     : "公示自%s开始，须满%d个工作日，最早可于%s结束。",
                 st_zh, p->need, ee_zh);
            if (p->has_end)
                S_ZH("计划于%s结束，共%d个工作日。", pe_zh, p->planned);
            if (strcmp(p->warning, RY_POSTING_W_SHORT) == 0)
                S_ZH("计划结束日期不足%d个工作日，最早的有效结束日期为%s。",
                     p->need, ee_zh);
            if (p->state == RY_POSTING_TOO_LATE)
                S_ZH("公示要到%s才满期，晚于截止日期%s，已无法按时完成。",
                     un_zh, dl_zh);
            else if (p->has_last_start)
                S_ZH("截止日期为%s（公示最迟须于%s开始）。", dl_zh, ls_zh);
            else
                S_ZH("截止日期为%s。", dl_zh);
        }
#undef S_ZH
    }
    if (en && enlen) {
        size_t n = 0;
        en[0] = '\0';
#define S_EN(...)                                                              \
    do {                                                                       \
        if (n < enlen) {                                                       \
            int k_ = snprintf(en + n, enlen - n, __VA_ARGS__);                 \
            n += k_ > 0 ? (size_t)k_ : 0;                                      \
        }                                                                      \
    } while (0)
        if (p->has_start && ry_date_compare(p->start, p->deadline) > 0) {
            S_EN("The posting starts on %s, after the deadline, %s: it can "
                 "no longer finish in time.",
                 st_en, dl_en);
        } else if (nodata) {
            S_EN("The working-day calendar has no data for %d, a year the "
                 "posting needs; its dates cannot be worked out.",
                 p->missing_year);
        } else if (!p->has_start) {
            S_EN("No posting has started yet. A posting needs %d working "
                 "days; to finish by the deadline, %s, it must start by %s.",
                 p->need, dl_en, ls_en);
            if (p->state == RY_POSTING_TOO_LATE)
                S_EN(" That day has passed: it can no longer finish in "
                     "time.");
        } else {
            S_EN(p->state == RY_POSTING_PLANNED
                     ? "The posting is to start on %s and needs %d working "
                       "days: it can end on %s at the earliest."
                     : "The posting started on %s and needs %d working days: "
                       "it can end on %s at the earliest.",
                 st_en, p->need, ee_en);
            if (p->has_end)
                S_EN(" The planned end, %s, gives %d working days.", pe_en,
                     p->planned);
            if (strcmp(p->warning, RY_POSTING_W_SHORT) == 0)
                S_EN(" That is fewer than %d: the earliest valid end is %s.",
                     p->need, ee_en);
            if (p->state == RY_POSTING_TOO_LATE)
                S_EN(" It completes its working days only on %s, after "
                     "the deadline, %s: it can no longer finish in time.",
                     un_en, dl_en);
            else if (p->has_last_start)
                S_EN(" The deadline is %s (a posting must start by %s).", dl_en,
                     ls_en);
            else
                S_EN(" The deadline is %s.", dl_en);
        }
#undef S_EN
    }
}

const char *
ry_posting_state_name(int state)
{
    switch (state) {
    case RY_POSTING_NOT_STARTED: return "not_started";
    case RY_POSTING_UNDER_WAY: return "under_way";
    case RY_POSTING_COMPLETE: return "complete";
    case RY_POSTING_TOO_LATE: return "too_late";
    case RY_POSTING_PLANNED: return "planned";
    default: return "";
    }
}

const char *
ry_posting_state_zh(int state)
{
    switch (state) {
    case RY_POSTING_NOT_STARTED: return "未开始公示";
    case RY_POSTING_UNDER_WAY: return "公示中";
    case RY_POSTING_COMPLETE: return "公示期满";
    case RY_POSTING_TOO_LATE: return "已无法按时完成";
    case RY_POSTING_PLANNED: return "公示待开始";
    default: return "";
    }
}
