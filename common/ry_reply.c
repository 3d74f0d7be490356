/* ry_reply: the fixed texts of each rongyu.ErrorCode. */
#include "ry_reply.h"

#include <stdio.h>

static const struct {
    const char *zh, *en;
} s_texts[] = {
    [RONGYU__ERROR_CODE__OK] = {"成功", "ok"},
    [RONGYU__ERROR_CODE__E_MALFORMED] = {"请求无法解析",
                                         "request does not decode"},
    [RONGYU__ERROR_CODE__E_MISSING_FIELD] = {"缺少必填字段",
                                             "a required field is missing"},
    [RONGYU__ERROR_CODE__E_OUT_OF_RANGE] = {"字段取值超出范围",
                                            "a field is out of range"},
    [RONGYU__ERROR_CODE__E_NOT_FOUND] = {"未找到所指对象",
                                         "what the request names is not "
                                         "found"},
    [RONGYU__ERROR_CODE__E_FORBIDDEN] = {"无权执行此操作",
                                         "this organisation may not do that"},
    [RONGYU__ERROR_CODE__E_BAD_STATE] =
        {"当前状态下不允许此操作", "not allowed in the case's current state"},
    [RONGYU__ERROR_CODE__E_TOO_LARGE] = {"上传内容过大", "upload too large"},
    [RONGYU__ERROR_CODE__E_BUSY] = {"系统繁忙，请稍后重试",
                                    "busy, retry later"},
    [RONGYU__ERROR_CODE__E_CONFLICT] =
        {"幂等键已用于另一请求",
         "idempotency key already used for another request"},
    [RONGYU__ERROR_CODE__E_INTERNAL] = {"内部错误", "internal error"},
    [RONGYU__ERROR_CODE__E_UNSUPPORTED] = {"不支持的请求类型",
                                           "unsupported request"},
    [RONGYU__ERROR_CODE__E_INVALID] = {"请求内容不合规", "invalid request"},
    [RONGYU__ERROR_CODE__E_DEADLINE_PASSED] = {"截止日期已过",
                                               "the deadline has passed"},
    [RONGYU__ERROR_CODE__E_UNAUTHENTICATED] =
        {"密钥未登记或已吊销", "this key is not registered, or revoked"},
    [RONGYU__ERROR_CODE__E_DUPLICATE] =
        {"已有案件推荐了同一申报单位的同一荣誉（同一人选）",
         "another case already put the same forward"},
};

const char *
ry_reply_text(Rongyu__ErrorCode code, bool zh)
{
    if ((unsigned)code >= sizeof s_texts / sizeof s_texts[0] ||
        !s_texts[code].zh)
        code = RONGYU__ERROR_CODE__E_INTERNAL;
    return zh ? s_texts[code].zh : s_texts[code].en;
}

void
ry_reply_no_body(const ProtobufCMessage *req, char *buf, size_t len)
{
    char nums[96] = "";
    size_t at = 0;
    for (unsigned i = 0; req && i < req->n_unknown_fields && at < sizeof nums;
         i++) {
        int n = snprintf(nums + at, sizeof nums - at, "%s%u", at ? ", " : "",
                         (unsigned)req->unknown_fields[i].tag);
        at += n > 0 ? (size_t)n : 0;
    }
    if (!nums[0])
        snprintf(buf, len,
                 "请求没有请求体。the request has no body (one of the "
                 "fields of Request's oneof body)");
    else
        snprintf(buf, len,
                 "请求没有本服务的版本所知的请求体；未知字段号：%s。the "
                 "request has no body this version of the service knows; "
                 "unknown field number(s): %s",
                 nums, nums);
}
