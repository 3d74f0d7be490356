/* ry_reply: the fixed texts of each rongyu.ErrorCode, in Chinese and
 * English, that every service's Reply carries in message_zh and
 * message_en (docs/protocol.md, "Replies and errors"); what is particular
 * to a reply goes in its detail. */
#ifndef RY_REPLY_H
#define RY_REPLY_H

#include "rongyu.pb-c.h"

#include <stdbool.h>

/* The fixed text of 'code' in Chinese ('zh') or English; that of
 * E_INTERNAL for a value the proto does not define. Never NULL. */
const char *ry_reply_text(Rongyu__ErrorCode code, bool zh);

/* The detail of E_UNSUPPORTED for a request that names no body: none was
 * set, or one of a field number the service does not know (protobuf
 * drops it): sending it elsewhere would not help. */
#define RY_REPLY_NO_BODY                                                                          \
    "请求没有请求体，或其请求体不为本服务的版本所知。the request has no " \
    "body, or one this version of the service does not know"

#endif
