/* notify_text: the Chinese wording of notices, their JSON and e-mail
 * forms. */
#include "notify_text.h"

#include "ry_date.h"
#include "ry_error.h"
#include "ry_names.h"
#include "ry_posting.h"
#include "ry_rulecat.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
notify_date_zh(const char *ymd, char *buf, size_t len)
{
    static const char *wd[] = {"", "一", "二", "三", "四", "五", "六", "日"};
    ry_date_t d;
    if (!ymd || ry_date_parse(ymd, &d) != 0)
        return RY_EINVAL;
    int n = snprintf(buf, len, "%d年%d月%d日（星期%s）", d.y, d.m, d.d,
                     wd[ry_date_weekday(d)]);
    return n < 0 || (size_t)n >= len ? RY_EINVAL : 0;
}

int
notify_date_en(const char *ymd, char *buf, size_t len)
{
    ry_date_t d;
    if (!ymd || ry_date_parse(ymd, &d) != 0)
        return RY_EINVAL;
    return ry_posting_date_en(d, buf, len);
}

void
notify_event_name(const char *event, char *buf, size_t len)
{
    size_t i = 0;
    for (; event && event[i] && i + 1 < len; i++) {
        char c = event[i];
        buf[i] = (c == ' ' || c == '-') ? '_'
                                        : (char)tolower((unsigned char)c);
    }
    if (len)
        buf[i] = '\0';
}

const char *
notify_event_zh(const char *event)
{
    static const struct {
        const char *name, *zh;
    } t[] = {{"submitted", "已上报"},
             {"eligible", "资格审查通过"},
             {"ineligible", "资格审查未通过"},
             {"approved", "验家通过"},
             {"returned", "已退回修改"},
             {"rejected", "审批未通过"},
             {"recommended", "已推荐至市总工会"},
             {"seat_refused", "名额已满，未能推荐"},
             {"recommending", "已推荐，等待名额确认"},
             {"recommendation_refused", "名额已满，推荐未成功"},
             {"selecting", "市总工会已同意表彰，等待名额确认"},
             {"selection_refused", "全市名额已满，未能入选"},
             {"awarded", "已获表彰"},
             {"not_selected", "未入选"},
             {"withdrawn", "已撤回"}};
    char name[64];
    notify_event_name(event, name, sizeof name);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].zh;
    return "";
}

/* An honour's Chinese name; "荣誉" when the event names none. */
static const char *
s_honour_zh(int h)
{
    const char *zh = ry_names_honour_zh(h);
    return h > 0 && strcmp(zh, "?") != 0 ? zh : "荣誉";
}

static const char *
s_or(const char *s, const char *alt)
{
    return s && *s ? s : alt;
}

const char *
notify_notice_case(const notify_notice_t *n)
{
    return n->ev ? n->ev->case_id : s_or(n->case_id, "");
}

/* The date of an instant in Beijing time, as "YYYY-MM-DD". */
static void
s_ymd(int64_t ms, char *buf, size_t len)
{
    ry_date_t d;
    if (ry_date_from_epoch_ms(ms, 480, &d, NULL) != 0 ||
        ry_date_format(d, buf, len) != 0)
        snprintf(buf, len, "?");
}

/* A date in full in both languages ("" when ymd is empty or bad). */
typedef struct {
    char zh[64], en[64];
} s_day_t;

static s_day_t
s_day(const char *ymd)
{
    s_day_t d = {"", ""};
    if (ymd && *ymd && (notify_date_zh(ymd, d.zh, sizeof d.zh) != 0 ||
                        notify_date_en(ymd, d.en, sizeof d.en) != 0))
        d.zh[0] = d.en[0] = '\0';
    return d;
}

/* The title and text of the posting kinds, Chinese then English. Returns
 * false for any other kind. */
static bool
s_posting_text(const notify_notice_t *n, FILE *ft, FILE *fx)
{
    const char *k = n->kind;
    const Rongyu__CaseEvent *ev = n->ev;
    int need = n->posting_workdays, wd = n->workdays_before;
    s_day_t dl = s_day(n->deadline), sb = s_day(n->submit_by);
    if (strcmp(k, "posting_last_start_remind") == 0) {
        fprintf(ft, "【提醒】公示最晚开始日期：%s", dl.zh);
        fprintf(fx,
                "各有关单位：\n申报前须在本单位公示不少于%d个工作日。要在%s"
                "申报截止前完成公示，公示最迟须于%s开始，距该日还有%d个工作日"
                "。尚未开始公示的单位请抓紧。\n\nTo every union: an "
                "application must be posted in its unit for at least %d "
                "working days before it is submitted. To finish by the "
                "submission deadline, %s, a posting must start by %s, %d "
                "working days from now.\n",
                need, sb.zh, dl.zh, wd, need, sb.en, dl.en, wd);
        return true;
    }
    if (strcmp(k, "nomination_posting_last_start_remind") == 0) {
        fprintf(ft, "【提醒】优秀工会工作者人选公示最晚开始日期：%s", dl.zh);
        fprintf(fx,
                "各区、县（市）总工会，各市级产业工会，各有关单位：\n被推荐的"
                "优秀工会工作者人选须经所在单位公示不少于%d个工作日后上报。要在"
                "%s向市总工会推荐前完成公示，公示最迟须于%s开始，距该日还有%d"
                "个工作日。\n\nTo every union: a nominated excellent union "
                "worker must be posted in the nominee's unit for at least %d "
                "working days before the recommendation. To finish by the "
                "units' deadline, %s, a posting must start by %s, %d working "
                "days from now.\n",
                need, sb.zh, dl.zh, wd, need, sb.en, dl.en, wd);
        return true;
    }
    if (!ev || strncmp(k, "posting_", 8) != 0)
        return false;
    const char *who = s_or(ev->applicant_name, ev->applicant_org);
    const char *unit = s_or(ev->organising_unit, "组织单位");
    const char *honour = s_honour_zh(ev->honour);
    s_day_t st = s_day(ev->posting_start), pe = s_day(ev->posting_end),
            ee = s_day(ev->posting_earliest_end),
            ls = s_day(ev->posting_last_start);
    if (strcmp(k, "posting_recorded") == 0) {
        const char *pend = s_or(ev->posting_end, "");
        const char *eend = s_or(ev->posting_earliest_end, "");
        bool nodata = !*eend;
        bool shortp = *pend && *eend && strcmp(pend, eend) < 0;
        const char *until = *pend && strcmp(pend, eend) > 0 ? pend : eend;
        bool late = *until && n->submit_by && strcmp(until, n->submit_by) > 0;
        s_day_t un = s_day(until);
        if (nodata)
            fprintf(ft, "【公示】%s的公示已登记，公示日期无法计算", who);
        else if (late)
            fprintf(ft, "【公示】%s的公示无法在%s前期满", who, sb.zh);
        else
            fprintf(ft, "【公示】%s的公示最早可于%s结束", who, ee.zh);
        /* Recorded before its first day: it is still to start. */
        char today[RY_DATE_STRLEN];
        s_ymd(n->at_ms, today, sizeof today);
        bool to_come = n->at_ms && *s_or(ev->posting_start, "") &&
                       strcmp(ev->posting_start, today) > 0;
        fprintf(fx,
                to_come ? "%s：\n%s（案件 %s，%s）的公示已登记，定于%s开始，"
                          "须满%d个工作日。"
                        : "%s：\n%s（案件 %s，%s）的公示已登记，自%s开始，须满"
                          "%d个工作日。",
                who, who, ev->case_id, honour, st.zh, need);
        if (nodata && n->missing_year)
            fprintf(fx, "工作日历缺少 %d 年的数据，无法计算结束日期。\n",
                    n->missing_year);
        else if (nodata)
            fprintf(fx, "工作日历缺少所需年份的数据，无法计算结束日期。\n");
        else if (*s_or(ev->posting_last_start, ""))
            fprintf(fx, "最早可于%s结束。要在%s前完成，公示最迟须于%s开始。\n",
                    ee.zh, sb.zh, ls.zh);
        else
            fprintf(fx, "最早可于%s结束。截止日期为%s。\n", ee.zh, sb.zh);
        if (shortp)
            fprintf(fx, "注意：计划结束日期%s不足%d个工作日，最早的有效结束"
                        "日期为%s。\n",
                    pe.zh, need, ee.zh);
        if (late)
            fprintf(fx, "注意：公示要到%s才满期，晚于截止日期%s，已无法按时"
                        "完成。\n",
                    un.zh, sb.zh);
        fprintf(fx,
                to_come ? "\nThe posting of %s (case %s) is recorded: it is "
                          "to start on %s and needs %d working days."
                        : "\nThe posting of %s (case %s) is recorded: it "
                          "started on %s and needs %d working days.",
                who, ev->case_id, st.en, need);
        if (nodata && n->missing_year)
            fprintf(fx,
                    " The working-day calendar has no data for %d, a "
                    "year it needs: its end cannot be worked out.\n",
                    n->missing_year);
        else if (nodata)
            fprintf(fx, " The working-day calendar has no data for a year "
                        "it needs: its end cannot be worked out.\n");
        else if (*s_or(ev->posting_last_start, ""))
            fprintf(fx, " It can end on %s at the earliest. To finish by %s "
                        "a posting must start by %s.\n",
                    ee.en, sb.en, ls.en);
        else
            fprintf(fx,
                    " It can end on %s at the earliest. The deadline is "
                    "%s.\n",
                    ee.en, sb.en);
        if (shortp)
            fprintf(fx, "Warning: the planned end, %s, gives fewer than %d "
                        "working days; the earliest valid end is %s.\n",
                    pe.en, need, ee.en);
        if (late)
            fprintf(fx,
                    "Warning: the posting completes its working days "
                    "only on %s, after the deadline, %s: it can no longer "
                    "finish in time.\n",
                    un.en, sb.en);
        return true;
    }
    if (strcmp(k, "posting_complete") == 0 && *s_or(ev->posting_end, "") &&
        *s_or(ev->posting_earliest_end, "") &&
        strcmp(ev->posting_end, ev->posting_earliest_end) > 0) {
        /* A planned end after the need-th working day: the posting had
         * its working days earlier and may be submitted once it ends. */
        fprintf(ft, "【公示】%s的公示于%s结束，当天起即可上报", who, dl.zh);
        fprintf(fx,
                "%s：\n%s（案件 %s，%s）自%s开始的公示已于%s满%d个工作日，"
                "按计划于%s结束，当天起即可上报，截止日期为%s。\n\nThe "
                "posting of %s (case %s), which started on %s, had its %d "
                "working days on %s and ends as planned on %s: you may "
                "submit from that day; the deadline is %s.\n",
                who, who, ev->case_id, honour, st.zh, ee.zh, need, dl.zh, sb.zh,
                who, ev->case_id, st.en, need, ee.en, dl.en, sb.en);
        return true;
    }
    if (strcmp(k, "posting_complete") == 0) {
        /* Sent on the morning of that day: true then. */
        fprintf(ft, "【公示】%s的公示于%s满%d个工作日，当天起即可上报", who,
                dl.zh, need);
        fprintf(fx,
                "%s：\n%s（案件 %s，%s）自%s开始的公示于%s满%d个工作日，"
                "当天起即可上报，截止日期为%s。\n\nThe posting of %s "
                "(case %s), which started on %s, completes its %d working "
                "days on %s: you may submit from that day; the deadline "
                "is %s.\n",
                who, who, ev->case_id, honour, st.zh, dl.zh, need, sb.zh, who,
                ev->case_id, st.en, need, dl.en, sb.en);
        return true;
    }
    if (strcmp(k, "posting_start_by") == 0) {
        fprintf(ft, "【提醒】请于%s前开始公示：%s", dl.zh, who);
        fprintf(fx, "%s、%s：\n%s（案件 %s，%s）尚未登记公示。公示须满%d个"
                    "工作日；要在%s前完成，公示最迟须于%s开始，距该日还有%d个"
                    "工作日。\n\nNo posting is recorded yet for %s (case %s). "
                    "A posting needs %d working days; to finish by %s it must "
                    "start by %s, %d working days from now.\n",
                who, unit, who, ev->case_id, honour, need, sb.zh, dl.zh, wd,
                who, ev->case_id, need, sb.en, dl.en, wd);
        return true;
    }
    return false;
}

int
notify_text_render(const notify_notice_t *n, char **title, char **text)
{
    char dl[64] = "", sub[64] = "", subd[RY_DATE_STRLEN];
    if (n->deadline && *n->deadline)
        notify_date_zh(n->deadline, dl, sizeof dl);
    const Rongyu__CaseEvent *ev = n->ev;
    if (ev && ev->submitted_at_ms) {
        s_ymd(ev->submitted_at_ms, subd, sizeof subd);
        notify_date_zh(subd, sub, sizeof sub);
    }
    const char *camp = s_or(n->campaign_name, s_or(n->campaign_id, ""));
    const char *who = ev ? s_or(ev->applicant_name, ev->applicant_org) : "";
    const char *unit = ev ? s_or(ev->organising_unit, "组织单位") : "";
    const char *honour = ev ? s_honour_zh(ev->honour) : "";
    const char *cid = notify_notice_case(n);
    int wd = n->workdays_before;
    char *t = NULL, *x = NULL;
    size_t tl, xl;
    FILE *ft = open_memstream(&t, &tl), *fx = open_memstream(&x, &xl);
    if (!ft || !fx)
        abort();
    const char *k = n->kind;
    /* The deadlines in English too, after the Chinese. */
    s_day_t dle = s_day(n->deadline), sube = s_day(*sub ? subd : "");
    const char *cide = s_or(n->campaign_id, "");
    const char *honour_en =
        ev && ev->honour > 0 ? ry_names_honour_en(ev->honour) : "honour";
    if (strcmp(k, "submission_remind") == 0) {
        fprintf(ft, "【提醒】%s基层申报截止日期：%s", camp, dl);
        fprintf(fx,
                "各有关单位：\n%s基层工会申报截止日期为%s，距截止还有%d个"
                "工作日。请尚未上报的单位抓紧完成申报。\n\nTo every "
                "union: grassroots unions' applications of campaign %s "
                "are due by the end of %s, %d working days before it. "
                "Unions that have not submitted yet, please do so "
                "soon.\n",
                camp, dl, wd, cide, dle.en, wd);
    } else if (strcmp(k, "submission_due") == 0) {
        fprintf(ft, "【截止】%s基层申报已于%s截止", camp, dl);
        fprintf(fx,
                "各有关单位：\n%s基层工会申报已于%s截止。\n\nTo every "
                "union: grassroots unions' applications of campaign %s "
                "closed at the end of %s.\n",
                camp, dl, cide, dle.en);
    } else if (strcmp(k, "summary_remind") == 0) {
        fprintf(ft, "【提醒】%s汇总表报送截止日期：%s", camp, dl);
        fprintf(fx,
                "各区、县（市）总工会，各市级产业工会：\n请于%s前报送三张"
                "汇总表（附件2、3、4）及基层申报材料，距截止还有%d个工作"
                "日。\n\nTo every district and county federation and "
                "city industry union: please file the three summary "
                "tables (Annexes 2, 3 and 4) with the grassroots "
                "applications by the end of %s, %d working days before "
                "it.\n",
                dl, wd, dle.en, wd);
    } else if (strcmp(k, "summary_due") == 0) {
        fprintf(ft, "【截止】%s汇总表报送已于%s截止", camp, dl);
        fprintf(fx,
                "各区、县（市）总工会，各市级产业工会：\n%s汇总表报送已于"
                "%s截止。\n\nTo every district and county federation "
                "and city industry union: the summary tables of campaign "
                "%s were due by the end of %s.\n",
                camp, dl, cide, dle.en);
    } else if (strcmp(k, "review_remind") == 0) {
        fprintf(ft, "【提醒】请于%s前完成验家：%s", dl, who);
        fprintf(fx,
                "%s：\n%s（案件 %s，%s）于%s提交申请，按规定应在一个月内"
                "验家。审查截止日期为%s，距截止还有%d个工作日。\n\n%s: "
                "%s (case %s, %s) applied on %s and is to be inspected "
                "within one month: the review is due by the end of %s, "
                "%d working days before it.\n",
                unit, who, cid, honour, sub, dl, wd, unit, who, cid, honour_en,
                sube.en, dle.en, wd);
    } else if (strcmp(k, "review_overdue") == 0) {
        fprintf(ft, "【逾期】验家已逾期：%s（截止%s）", who, dl);
        fprintf(fx,
                "%s、市总工会基层工作部：\n%s（案件 %s，%s）于%s提交申请，"
                "审查截止日期%s已过，尚未完成验家。\n\n%s and the city "
                "department: %s (case %s, %s) applied on %s; its review "
                "was due by the end of %s and is not done.\n",
                unit, who, cid, honour, sub, dl, unit, who, cid, honour_en,
                sube.en, dle.en);
    } else if (s_posting_text(n, ft, fx)) {
        /* the posting kinds */
    } else if (ev) {
        const char *zh = notify_event_zh(ev->event);
        if (!*zh)
            zh = ev->event;
        fprintf(ft, "【%s】%s（%s）", zh, who, honour);
        fprintf(fx, "%s、%s：\n%s（案件 %s，%s）%s。\n", who, unit, who, cid,
                honour, zh);
        if (ev->n_failed)
            fprintf(fx, "未满足的条件：\n");
        ry_rulecat_text_t *rt = malloc(sizeof *rt);
        if (!rt)
            abort();
        for (size_t i = 0; i < ev->n_failed; i++) {
            /* Rendered here from the rule and its typed values. */
            const Rongyu__Check *c = ev->failed[i];
            const char *code = ry_rulecat_check_code(c);
            ry_rulecat_render(c, rt);
            fprintf(fx, "- %s（%s）", s_or(rt->message_zh, code), code);
            if (*rt->threshold || *rt->actual)
                fprintf(fx, "：要求 %s，实际 %s", rt->threshold, rt->actual);
            fputc('\n', fx);
        }
        free(rt);
    } else {
        fprintf(ft, "【通知】%s", k);
        fprintf(fx, "%s\n", k);
    }
    fclose(ft);
    fclose(fx);
    *title = t;
    *text = x;
    return 0;
}

static void
s_set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

int
notify_text_json(const notify_notice_t *n, const char *title,
                 const char *text, uint64_t delivery_id, const char *org,
                 char **out)
{
    json_t *o = json_object();
    json_object_set_new(o, "delivery_id", json_integer((json_int_t)delivery_id));
    s_set_str(o, "notice_id", n->notice_id);
    s_set_str(o, "kind", n->kind);
    s_set_str(o, "org", org);
    s_set_str(o, "title", title);
    s_set_str(o, "text", text);
    s_set_str(o, "campaign_id", n->campaign_id);
    s_set_str(o, "deadline", n->deadline);
    char dl[64] = "";
    if (n->deadline && *n->deadline)
        notify_date_zh(n->deadline, dl, sizeof dl);
    s_set_str(o, "deadline_zh", dl);
    json_object_set_new(o, "workdays_before",
                        json_integer(n->workdays_before));
    json_object_set_new(o, "at_ms", json_integer(n->at_ms));
    ry_date_t d;
    int minute = 0;
    char at[40] = "";
    if (ry_date_from_epoch_ms(n->at_ms, 480, &d, &minute) == 0)
        snprintf(at, sizeof at, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", d.y,
                 d.m, d.d, minute / 60, minute % 60,
                 (int)((n->at_ms / 1000) % 60 + 60) % 60);
    s_set_str(o, "at", at);
    const Rongyu__CaseEvent *ev = n->ev;
    if (n->submit_by && *n->submit_by) {
        s_set_str(o, "submit_by", n->submit_by);
        s_set_str(o, "submit_by_zh", s_day(n->submit_by).zh);
        json_object_set_new(o, "posting_workdays",
                            json_integer(n->posting_workdays));
    }
    if (ev && ev->posting_deadline && *ev->posting_deadline) {
        s_set_str(o, "posting_start", ev->posting_start);
        s_set_str(o, "posting_end", ev->posting_end);
        s_set_str(o, "earliest_end", ev->posting_earliest_end);
        s_set_str(o, "earliest_end_zh", s_day(ev->posting_earliest_end).zh);
        s_set_str(o, "last_start", ev->posting_last_start);
        s_set_str(o, "last_start_zh", s_day(ev->posting_last_start).zh);
    }
    const char *cid = notify_notice_case(n);
    if (ev || *cid)
        s_set_str(o, "case_id", cid);
    if (ev) {
        char name[64];
        notify_event_name(ev->event, name, sizeof name);
        json_object_set_new(o, "revision", json_integer(ev->revision));
        s_set_str(o, "event", name);
        const ProtobufCEnumValue *sv = protobuf_c_enum_descriptor_get_value(
            &rongyu__case_state__descriptor, ev->state);
        char state[32] = "";
        for (size_t i = 0; sv && sv->name[i] && i + 1 < sizeof state; i++)
            state[i] = (char)tolower((unsigned char)sv->name[i]),
            state[i + 1] = '\0';
        s_set_str(o, "state", state);
        s_set_str(o, "applicant_org", ev->applicant_org);
        s_set_str(o, "applicant_name", ev->applicant_name);
        s_set_str(o, "organising_unit", ev->organising_unit);
        static const char *hn[] = {"", "advanced_home", "model_home",
                                   "advanced_small_home", "excellent_worker"};
        s_set_str(o, "honour",
                  ev->honour >= 0 && ev->honour <= 4 ? hn[ev->honour] : "");
        json_t *f = json_array();
        ry_rulecat_text_t *t = malloc(sizeof *t);
        if (!t)
            abort();
        for (size_t i = 0; i < ev->n_failed; i++) {
            const Rongyu__Check *c = ev->failed[i];
            ry_rulecat_render(c, t);
            json_t *cj = json_object();
            s_set_str(cj, "code", ry_rulecat_check_code(c));
            s_set_str(cj, "threshold", t->threshold);
            s_set_str(cj, "actual", t->actual);
            s_set_str(cj, "message_zh", t->message_zh);
            s_set_str(cj, "message_en", t->message_en);
            json_array_append_new(f, cj);
        }
        free(t);
        json_object_set_new(o, "failed", f);
    }
    *out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!*out)
        abort();
    return 0;
}

/* Writes s as RFC 2047 encoded words, folded, at most 45 bytes of UTF-8
 * per word and never splitting a character. */
static void
s_encoded_words(FILE *f, const char *s)
{
    size_t len = strlen(s), off = 0;
    bool first = true;
    while (off < len) {
        size_t n = len - off < 45 ? len - off : 45;
        while (off + n < len && ((unsigned char)s[off + n] & 0xC0) == 0x80)
            n--;
        char b64[128];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + off, n,
                          sodium_base64_VARIANT_ORIGINAL);
        fprintf(f, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64);
        first = false;
        off += n;
    }
}

int
notify_text_mail(const char *from, const char *to, const char *title,
                 const char *text, uint64_t delivery_id,
                 const char *notice_id, int64_t date_ms, char **out,
                 size_t *len)
{
    char *m = NULL;
    size_t ml;
    FILE *f = open_memstream(&m, &ml);
    if (!f)
        abort();
    static const char *wd[] = {"", "Mon", "Tue", "Wed", "Thu",
                               "Fri", "Sat", "Sun"};
    static const char *mo[] = {"", "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    ry_date_t d = {1970, 1, 1};
    int minute = 0;
    ry_date_from_epoch_ms(date_ms, 480, &d, &minute);
    fprintf(f, "From: <%s>\r\nTo: <%s>\r\nSubject: ", from, to);
    s_encoded_words(f, title);
    fprintf(f,
            "\r\nDate: %s, %d %s %04d %02d:%02d:%02d +0800\r\n"
            "Message-ID: <rongyu-d%" PRIu64 "@rongyu>\r\n"
            "X-Rongyu-Delivery: %" PRIu64 "\r\n"
            "X-Rongyu-Notice: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n",
            wd[ry_date_weekday(d)], d.d, mo[d.m], d.y, minute / 60,
            minute % 60, (int)((date_ms / 1000) % 60 + 60) % 60, delivery_id,
            delivery_id, notice_id);
    size_t tl = strlen(text);
    for (size_t off = 0; off < tl; off += 57) {
        size_t n = tl - off < 57 ? tl - off : 57;
        char b64[96];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)text + off,
                          n, sodium_base64_VARIANT_ORIGINAL);
        fprintf(f, "%s\r\n", b64);
    }
    fclose(f);
    *out = m;
    *len = ml;
    return 0;
}
