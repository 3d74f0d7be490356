/* cli_upload: sending attachments that do not fit in one request frame
 * to intake in parts (UploadRequest), so that the request names them by
 * sha256 alone. */
#ifndef CLI_UPLOAD_H
#define CLI_UPLOAD_H

#include "cli_util.h"
#include "rongyu.pb-c.h"

#include <stddef.h>

/* The largest part sent: 512 KiB, or less when max_request is smaller
 * (room is left for the rest of the request). */
size_t cli_upload_part_size(size_t max_request);

/* Makes application request 'req' (whose body holds 'app') fit in one
 * frame of ctx->cfg.max_request bytes: while it does not, uploads the
 * largest attachment still carrying its content in parts for
 * app->applicant_org (one connection, each part resent on a timeout:
 * a resend changes nothing at intake), then drops that content from the
 * request, which keeps the attachment's sha256 and size. A progress line
 * goes to stderr for an upload of more than a few parts (not with
 * --json). Returns CLI_EXIT_OK (also when nothing needed uploading); or,
 * after printing what went wrong as cli_call does (the error reply, as
 * JSON too with --json), CLI_EXIT_ERROR or CLI_EXIT_UNREACHABLE. */
int cli_upload_to_fit(cli_ctx_t *ctx, Rongyu__Request *req,
                      Rongyu__Application *app);

#endif
