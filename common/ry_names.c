/* ry_names: display names of case states and honours. */
#include "ry_names.h"

static const struct {
    const char *en, *zh;
} s_states[] = {
    {"unspecified", "未定"},
    {"draft", "草稿"},
    {"submitted", "已上报"},
    {"eligible", "合格"},
    {"ineligible", "不合格"},
    {"returned", "已退回"},
    {"rejected", "未通过"},
    {"recommended", "已推荐"},
    {"awarded", "已表彰"},
    {"not_selected", "未入选"},
    {"withdrawn", "已撤回"},
    {"approved", "已审核通过"},
    {"recommending", "推荐中（待名额确认）"},
    {"selecting", "评选中（待名额确认）"},
};
#define S_NSTATES ((int)(sizeof s_states / sizeof s_states[0]))

static const struct {
    const char *code, *zh, *en;
} s_honours[] = {
    {"unspecified", "未指定荣誉", "no honour given"},
    {"advanced_home", "杭州市先进职工之家", "City Advanced Workers' Home"},
    {"model_home", "杭州市示范职工之家", "City Model Workers' Home"},
    {"advanced_small_home", "杭州市先进职工小家",
     "City Advanced Workers' Small Home"},
    {"excellent_worker", "杭州市优秀工会工作者", "City Excellent Union Worker"},
};
#define S_NHONOURS ((int)(sizeof s_honours / sizeof s_honours[0]))

const char *
ry_names_state_en(int state)
{
    return state >= 0 && state < S_NSTATES ? s_states[state].en : "?";
}

const char *
ry_names_state_zh(int state)
{
    return state >= 0 && state < S_NSTATES ? s_states[state].zh : "?";
}

const char *
ry_names_honour_code(int h)
{
    return h >= 0 && h < S_NHONOURS ? s_honours[h].code : "?";
}

const char *
ry_names_honour_zh(int h)
{
    return h >= 0 && h < S_NHONOURS ? s_honours[h].zh : "?";
}

const char *
ry_names_honour_en(int h)
{
    return h >= 0 && h < S_NHONOURS ? s_honours[h].en : "?";
}
