/* ry_text: the checks every text of outside input passes before it is
 * stored: valid UTF-8 and a bounded length, field by field through a
 * decoded protobuf message; and those of the fields whose values have a
 * fixed domain (identifiers, enums). */
#ifndef RY_TEXT_H
#define RY_TEXT_H

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>
#include <stddef.h>

/* The longest text field, in bytes (about 21,000 Chinese characters):
 * enough for the longest free text (deeds); fields with a tighter bound
 * (ids, opinions) are checked where they are used. */
#define RY_TEXT_MAX 65536

/* The longest identifiers a request names, in bytes, in every service:
 * an organisation (an organising unit is one: its Annex 1 name) and a
 * campaign. */
#define RY_ORG_ID_MAX 200
#define RY_CAMPAIGN_ID_MAX 100

/* The bound of a string field named 'name' when the field holds an
 * identifier (RY_ORG_ID_MAX for org_id, org, applicant_org,
 * organising_unit and parent_id; RY_CAMPAIGN_ID_MAX for campaign_id;
 * RY_ORG_ID_MAX + 1 for a feed's topic, "org|"), else 0. */
size_t ry_text_id_max(const char *name);

/* Checks the fields of 'msg', and of the messages inside it, whose
 * values have a fixed domain: every identifier (ry_text_id_max) within
 * its bound, every enum holding a value its type names. On the first
 * that does not, writes the field's path from msg (e.g.
 * "list.campaign_id") to 'path' and the reason, in Chinese and English
 * after the path, to 'why' (e.g. "list.campaign_id: 为 101 字节，至多
 * 100 字节。list.campaign_id: 101 bytes, at most 100"; "list.state: 99
 * 不是 CaseState 的取值。list.state: 99 is not a value of CaseState"),
 * and returns -1; otherwise 0. */
int ry_text_check_fields(const ProtobufCMessage *msg, char *why, size_t cap,
                         char *path, size_t pcap);

/* The longest idempotency key, in bytes, in every service: with an
 * organisation's id in front it stays well inside LMDB's 511-byte key. A
 * longer one is refused with E_INVALID, field_path
 * "idempotency_key" (docs/protocol.md, Idempotency). */
#define RY_IDEM_KEY_MAX 200

/* Checks the length of an idempotency key (NULL counts as empty). When it
 * is longer than RY_IDEM_KEY_MAX writes the reason to 'why', in Chinese
 * and English after the field's name (e.g. "idempotency_key: 为 201 字节，
 * 至多 200 字节。idempotency_key: 201 bytes, at most 200") and returns -1;
 * otherwise returns 0. */
int ry_text_idem_key_check(const char *key, char *why, size_t cap);

/* The longest request_id, in bytes, in every service: a reply echoes it
 * whole, also one that waits (docs/protocol.md). A longer one is refused
 * with E_INVALID, field_path "request_id". */
#define RY_REQUEST_ID_MAX 255

/* As ry_text_idem_key_check, for a request_id ("request_id: 为 300 字节，
 * 至多 255 字节。request_id: 300 bytes, at most 255"). */
int ry_text_request_id_check(const char *id, char *why, size_t cap);

/* The checks every service makes of a request's texts before anything
 * else: ry_text_check of 'msg' (NULL: already made, as a decoder may)
 * with RY_TEXT_MAX, then ry_text_request_id_check of 'request_id'. On the
 * first failure writes the reason to 'why' and the path of the field
 * from the request (e.g. "principal.org_id") to 'path', and returns -1;
 * otherwise returns 0. */
int ry_text_check_request(const ProtobufCMessage *msg, const char *request_id,
                          char *why, size_t cap, char *path, size_t pcap);

/* The request_id a reply echoes: id when it is UTF-8, else "" (a reply
 * holds UTF-8 only, and a client cannot have meant other bytes). */
const char *ry_text_request_id_echo(const char *id);

/* True when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool ry_text_utf8_valid(const char *s, size_t len);

/* The length of the longest prefix of the UTF-8 text s[0..n) that holds
 * at most 'max' bytes and does not end inside a character: what a copy
 * bounded to 'max' bytes keeps, so that it stays UTF-8. */
size_t ry_text_utf8_fit(const char *s, size_t n, size_t max);

/* Drops from the string s, in place, every byte that is not part of a
 * well-formed character: a text cut inside a character by a bounded
 * snprintf (at its end, or by a "%.80s" within it) becomes UTF-8 again. */
void ry_text_utf8_scrub(char *s);

/* Checks every string field of 'msg' and of the messages inside it: valid
 * UTF-8 and at most max_len bytes. On the first failure writes the field's
 * path and the reason, in Chinese and English, to 'why' (e.g.
 * "application.name: 为 10485760 字节，至多 65536 字节。application.name:
 * 10485760 bytes, at most 65536") and returns -1; otherwise 0. */
int ry_text_check(const ProtobufCMessage *msg, size_t max_len, char *why,
                  size_t cap);

#endif
