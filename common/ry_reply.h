/* ry_reply: the fixed texts of each rongyu.ErrorCode, in Chinese and
 * English, that every service's Reply carries in message_zh and
 * message_en (docs/protocol.md, "Replies and errors"); what is particular
 * to a reply goes in its detail. */
#ifndef RY_REPLY_H
#define RY_REPLY_H

#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

/* The fixed text of 'code' in Chinese ('zh') or English; that of
 * E_INTERNAL for a value the proto does not define. Never NULL. */
const char *ry_reply_text(Rongyu__ErrorCode code, bool zh);

/* Writes to buf the detail of E_UNSUPPORTED for a request that names no
 * body: none was set, or one of a field number the service does not know
 * (protobuf-c keeps it among req's unknown fields, whose numbers the
 * detail names): sending it elsewhere would not help. */
void ry_reply_no_body(const ProtobufCMessage *req, char *buf, size_t len);

#endif
