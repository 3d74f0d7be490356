/* notify_text: the Chinese wording of notices, their JSON and e-mail
 * forms. */
#include "notify_text.h"

#include "ry_date.h"
#include "ry_error.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
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

static const char *
s_honour_zh(int h)
{
    switch (h) {
    case RONGYU__HONOUR__ADVANCED_HOME:
        return "杭州市先进职工之家";
    case RONGYU__HONOUR__MODEL_HOME:
        return "杭州市示范职工之家";
    case RONGYU__HONOUR__ADVANCED_SMALL_HOME:
        return "杭州市先进职工小家";
    case RONGYU__HONOUR__EXCELLENT_WORKER:
        return "杭州市优秀工会工作者";
    default:
        return "荣誉";
    }
}

static const char *
s_or(const char *s, const char *alt)
{
    return s && *s ? s : alt;
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
    const char *cid = ev ? ev->case_id : "";
    int wd = n->workdays_before;
    char *t = NULL, *x = NULL;
    size_t tl, xl;
    FILE *ft = open_memstream(&t, &tl), *fx = open_memstream(&x, &xl);
    if (!ft || !fx)
        abort();
    const char *k = n->kind;
    if (strcmp(k, "submission_remind") == 0) {
        fprintf(ft, "【提醒】%s基层申报截止日期：%s", camp, dl);
        fprintf(fx, "各有关单位：\n%s基层工会申报截止日期为%s，距截止还有%d个"
                    "工作日。请尚未上报的单位抓紧完成申报。\n",
                camp, dl, wd);
    } else if (strcmp(k, "submission_due") == 0) {
        fprintf(ft, "【截止】%s基层申报已于%s截止", camp, dl);
        fprintf(fx, "各有关单位：\n%s基层工会申报已于%s截止。\n", camp, dl);
    } else if (strcmp(k, "summary_remind") == 0) {
        fprintf(ft, "【提醒】%s汇总表报送截止日期：%s", camp, dl);
        fprintf(fx, "各区、县（市）总工会，各市级产业工会：\n请于%s前报送三张"
                    "汇总表（附件2、3、4）及基层申报材料，距截止还有%d个工作"
                    "日。\n",
                dl, wd);
    } else if (strcmp(k, "summary_due") == 0) {
        fprintf(ft, "【截止】%s汇总表报送已于%s截止", camp, dl);
        fprintf(fx, "各区、县（市）总工会，各市级产业工会：\n%s汇总表报送已于"
                    "%s截止。\n",
                camp, dl);
    } else if (strcmp(k, "review_remind") == 0) {
        fprintf(ft, "【提醒】请于%s前完成验家：%s", dl, who);
        fprintf(fx, "%s：\n%s（案件 %s，%s）于%s提交申请，按规定应在一个月内"
                    "验家。审查截止日期为%s，距截止还有%d个工作日。\n",
                unit, who, cid, honour, sub, dl, wd);
    } else if (strcmp(k, "review_overdue") == 0) {
        fprintf(ft, "【逾期】验家已逾期：%s（截止%s）", who, dl);
        fprintf(fx, "%s、市总工会基层工作部：\n%s（案件 %s，%s）于%s提交申请，"
                    "审查截止日期%s已过，尚未完成验家。\n",
                unit, who, cid, honour, sub, dl);
    } else if (strcmp(k, "posting_end") == 0) {
        fprintf(ft, "【公示结束】%s的公示期已于%s结束", who, dl);
        fprintf(fx, "%s：\n%s（案件 %s，%s）的公示期已于%s结束。\n", who, who,
                cid, honour, dl);
    } else if (ev) {
        const char *zh = notify_event_zh(ev->event);
        if (!*zh)
            zh = ev->event;
        fprintf(ft, "【%s】%s（%s）", zh, who, honour);
        fprintf(fx, "%s、%s：\n%s（案件 %s，%s）%s。\n", who, unit, who, cid,
                honour, zh);
        if (ev->n_failed)
            fprintf(fx, "未满足的条件：\n");
        for (size_t i = 0; i < ev->n_failed; i++) {
            const Rongyu__Check *c = ev->failed[i];
            fprintf(fx, "- %s（%s）", s_or(c->message_zh, c->code), c->code);
            if (*c->threshold || *c->actual)
                fprintf(fx, "：要求 %s，实际 %s", c->threshold, c->actual);
            fputc('\n', fx);
        }
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
    if (ev) {
        char name[64];
        notify_event_name(ev->event, name, sizeof name);
        s_set_str(o, "case_id", ev->case_id);
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
        for (size_t i = 0; i < ev->n_failed; i++) {
            const Rongyu__Check *c = ev->failed[i];
            json_t *cj = json_object();
            s_set_str(cj, "code", c->code);
            s_set_str(cj, "threshold", c->threshold);
            s_set_str(cj, "actual", c->actual);
            s_set_str(cj, "message_zh", c->message_zh);
            s_set_str(cj, "message_en", c->message_en);
            json_array_append_new(f, cj);
        }
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
