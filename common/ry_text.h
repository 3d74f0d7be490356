/* ry_text: the checks every text of outside input passes before it is
 * stored: valid UTF-8 and a bounded length, field by field through a
 * decoded protobuf message. */
#ifndef RY_TEXT_H
#define RY_TEXT_H

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>
#include <stddef.h>

/* The longest text field, in bytes (about 21,000 Chinese characters):
 * enough for the longest free text (deeds); fields with a tighter bound
 * (ids, opinions) are checked where they are used. */
#define RY_TEXT_MAX 65536

/* The longest idempotency key, in bytes, in every service: with an
 * organisation's id in front it stays well inside LMDB's 511-byte key. A
 * longer one is refused with E_INVALID, field_path
 * "idempotency_key" (docs/protocol.md, Idempotency). */
#define RY_IDEM_KEY_MAX 200

/* Checks the length of an idempotency key (NULL counts as empty). When it
 * is longer than RY_IDEM_KEY_MAX writes the reason to 'why' (e.g.
 * "idempotency_key: 201 bytes, at most 200") and returns -1; otherwise
 * returns 0. */
int ry_text_idem_key_check(const char *key, char *why, size_t cap);

/* True when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool ry_text_utf8_valid(const char *s, size_t len);

/* Checks every string field of 'msg' and of the messages inside it: valid
 * UTF-8 and at most max_len bytes. On the first failure writes the field's
 * path and the reason to 'why' (e.g. "application.name: 10485760 bytes,
 * at most 65536") and returns -1; otherwise 0. */
int ry_text_check(const ProtobufCMessage *msg, size_t max_len, char *why,
                  size_t cap);

#endif
