/* ry_json: the JSON form of the rongyu messages (applications in, cases,
 * verdicts, audit entries and replies out). No json_t leaves this module.
 *
 * The JSON form mirrors rongyu.proto: keys are the proto field names
 * (snake_case), enum values are their proto names in lower case
 * ("advanced_home", "single_establishment", "county", "draft"), except
 * ErrorCode, which keeps its stable upper-case name ("E_NOT_FOUND").
 * Special forms:
 *   - a Rate is a number (a percentage, "satisfaction": 92.5) or counts
 *     {"num": 450, "den": 480};
 *   - a Score is a number ("self_score": 93.5);
 *   - bytes are base64 (only written with RY_JSON_CONTENT);
 *   - an attachment in an application file may be {"path": "form.pdf",
 *     "kind": "application_form"}: the file (relative to the JSON file's
 *     directory) is read and name, size, sha256 (hex) and content are
 *     filled in; media_type is left to the server.
 * On input every key must be known (a typo is an error, not ignored);
 * "_comment" is allowed anywhere and ignored; null means "absent". */
#ifndef RY_JSON_H
#define RY_JSON_H

#include "rongyu.pb-c.h"

#include <stddef.h>

/* Output flags. */
#define RY_JSON_PRETTY 0x1u  /* indent by 2, one key per line */
#define RY_JSON_CONTENT 0x2u /* include bytes fields (base64) */

/* Largest attachment file an application may reference. */
#define RY_JSON_MAX_ATTACHMENT (64u * 1024u * 1024u)

/* What went wrong with an input document. */
typedef struct {
    int line;        /* 1-based line of a syntax error, else 0 */
    int column;      /* 1-based column of a syntax error, else 0 */
    char path[256];  /* JSON path of the offending value
                        ("metrics.membership", "attachments[1].path"),
                        "" for syntax errors */
    char text[1024]; /* the whole message, ready to print:
                        "FILE:LINE:COL: ..." or "FILE: PATH: ..." */
} ry_json_error_t;

/* Reads the application JSON file at 'path' and builds the message,
 * reading referenced attachment files relative to the file's directory
 * and only from inside it (symbolic links resolved): a path that leads
 * elsewhere ("../../etc/passwd", "/etc/hostname") is RY_EINVAL.
 * Returns 0 and sets *out; on error fills *err (may be NULL) and returns
 * RY_EIO (the file or an attachment cannot be read), RY_EMALFORMED (not
 * JSON: err has line and column), RY_EINVAL (wrong type, unknown key or
 * enum value: err has the path) or RY_ETOOBIG (an attachment over
 * RY_JSON_MAX_ATTACHMENT). The result is the caller's: it is built only
 * from malloc'd parts laid out as protobuf-c's unpacker lays them out, so
 * free it with ry_json_application_free or
 * rongyu__application__free_unpacked(app, NULL). */
int ry_json_application_load(const char *path, Rongyu__Application **out,
                             ry_json_error_t *err);

/* As ry_json_application_load, attachments also allowed from inside the
 * directories of 'allow' (NULL-ended; NULL: none). */
int ry_json_application_load_allow(const char *path,
                                   const char *const *allow,
                                   Rongyu__Application **out,
                                   ry_json_error_t *err);

/* As ry_json_application_load, from 'len' bytes of 'text', attachments
 * not confined. 'base_dir'
 * (NULL: the current directory) anchors relative attachment paths;
 * 'source' (NULL: "<input>") names the document in messages. */
int ry_json_application_parse(const char *text, size_t len,
                              const char *base_dir, const char *source,
                              Rongyu__Application **out,
                              ry_json_error_t *err);

/* Frees an application from ry_json_application_load/parse and nulls
 * *app_p; safe on NULL and twice. */
void ry_json_application_free(Rongyu__Application **app_p);

/* Writes any rongyu message as JSON text (flags: RY_JSON_*) to a new
 * NUL-terminated string in *out, the caller's to free(). Returns 0, or
 * RY_EINVAL when msg is NULL. Absent sub-messages are left out; scalars
 * are always written, defaults included, so scripts find every key. */
int ry_json_message_to_string(const ProtobufCMessage *msg, unsigned flags,
                              char **out);

/* Typed shorthands for ry_json_message_to_string; same contract. */
int ry_json_application_to_string(const Rongyu__Application *app,
                                  unsigned flags, char **out);
int ry_json_case_to_string(const Rongyu__Case *c, unsigned flags,
                           char **out);
int ry_json_verdict_to_string(const Rongyu__Verdict *v, unsigned flags,
                              char **out);
int ry_json_audit_entry_to_string(const Rongyu__AuditEntry *a,
                                  unsigned flags, char **out);
int ry_json_case_reply_to_string(const Rongyu__CaseReply *r, unsigned flags,
                                 char **out);
int ry_json_reply_to_string(const Rongyu__Reply *r, unsigned flags,
                            char **out);
int ry_json_status_reply_to_string(const Rongyu__StatusReply *s,
                                   unsigned flags, char **out);

/* Writes the JSON name of an enum value ("advanced_home"; "E_NOT_FOUND"
 * for ErrorCode) to buf and returns buf, or returns NULL when 'value' is
 * not one of d's or the name does not fit in 'len'. */
const char *ry_json_enum_name(const ProtobufCEnumDescriptor *d, int value,
                              char *buf, size_t len);

/* Looks up a JSON enum name; returns 0 and sets *value, or RY_EINVAL. */
int ry_json_enum_value(const ProtobufCEnumDescriptor *d, const char *name,
                       int *value);

#endif
