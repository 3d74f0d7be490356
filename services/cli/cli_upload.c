/* cli_upload: attachments too large for one frame, sent to intake in
 * parts before the request that names them. */
#include "cli_upload.h"

#include "ry_json.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_PART (512u * 1024u)
/* Room in a frame for the request around a part's bytes. */
#define S_ROOM 4096u
/* Uploads of more parts than this show their progress. */
#define S_PROGRESS_PARTS 4

size_t
cli_upload_part_size(size_t max_request)
{
    if (max_request >= S_PART + S_ROOM)
        return S_PART;
    return max_request > 2 * S_ROOM ? max_request - S_ROOM : max_request / 2;
}

/* The frame the request would take, as cli_call counts it. */
static size_t
s_frame_size(const Rongyu__Request *req)
{
    return protobuf_c_message_get_packed_size(&req->base) + 64;
}

/* Prints an error reply as cli_call does; returns CLI_EXIT_ERROR. */
static int
s_reply_error(const cli_ctx_t *ctx, const Rongyu__Reply *reply)
{
    if (ctx->json) {
        char *txt;
        if (ry_json_reply_to_string(reply, RY_JSON_PRETTY, &txt) == 0)
            cli_print_json(txt);
    }
    cli_print_reply_error(reply);
    return CLI_EXIT_ERROR;
}

static void
s_progress(const char *name, uint64_t done, uint64_t size, bool last)
{
    fprintf(stderr,
            "\r上传 uploading %s: %" PRIu64 " / %" PRIu64 " KiB (%d%%)%s", name,
            done >> 10, size >> 10, size ? (int)(done * 100 / size) : 100,
            last ? "\n" : "");
    fflush(stderr);
}

/* Uploads attachment 'at' (its content, sha256 and size set) for
 * 'applicant' on 'client', from where intake's progress stands. */
static int
s_upload_one(cli_ctx_t *ctx, cli_client_t *client, const char *ep,
             const char *applicant, const Rongyu__Attachment *at)
{
    size_t part = cli_upload_part_size(ctx->cfg.max_request);
    uint64_t size = at->content.len;
    Rongyu__Principal principal;
    cli_principal_fill(ctx, applicant, &principal);
    Rongyu__UploadRequest up = RONGYU__UPLOAD_REQUEST__INIT;
    up.sha256 = at->sha256;
    up.size = size;
    up.applicant_org = (char *)applicant;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.principal = &principal;
    req.body_case = RONGYU__REQUEST__BODY_UPLOAD;
    req.upload = &up;
    bool show = !ctx->json && size > (uint64_t)S_PROGRESS_PARTS * part;
    bool tty = isatty(STDERR_FILENO);
    /* The first request has no data: intake answers how much it has (an
     * upload interrupted earlier goes on from there). */
    uint64_t offset = 0;
    bool ask = true;
    for (;;) {
        size_t n = 0;
        if (!ask) {
            n = size - offset < part ? (size_t)(size - offset) : part;
            up.data.data = at->content.data + offset;
        }
        up.offset = offset;
        up.data.len = n;
        Rongyu__Reply *reply = NULL;
        int rc = cli_client_call(client, &req, ctx->timeout_ms, ctx->attempts,
                                 &reply);
        if (rc == 0 && (reply->code != RONGYU__ERROR_CODE__OK ||
                        reply->body_case != RONGYU__REPLY__BODY_UPLOAD)) {
            if (show && tty)
                fputc('\n', stderr);
            rc = s_reply_error(ctx, reply);
            cli_client_reply_free(&reply);
            return rc;
        }
        if (rc != 0) {
            if (show && tty)
                fputc('\n', stderr);
            return cli_print_call_error(ctx, "intake", ep, rc);
        }
        bool complete = reply->upload->complete;
        uint64_t received = reply->upload->received;
        cli_client_reply_free(&reply);
        if (show && (tty || complete))
            s_progress(at->name, complete ? size : received, size, complete);
        if (complete)
            return CLI_EXIT_OK;
        if (received >= size || (!ask && received <= offset)) {
            fprintf(stderr,
                    "错误：intake 未接收附件「%s」的部分\n"
                    "error: intake did not take the part of '%s' "
                    "at offset %" PRIu64 "\n",
                    at->name, at->name, offset);
            return CLI_EXIT_ERROR;
        }
        offset = received;
        ask = false;
    }
}

int
cli_upload_to_fit(cli_ctx_t *ctx, Rongyu__Request *req,
                  Rongyu__Application *app)
{
    if (s_frame_size(req) <= ctx->cfg.max_request)
        return CLI_EXIT_OK;
    const char *ep = cli_intake_endpoint(ctx);
    cli_curve_t curve;
    int rc = cli_curve(ctx, "intake", &curve);
    if (rc)
        return rc;
    cli_client_t *client = NULL;
    rc = cli_client_new(ep, &curve, &client);
    sodium_memzero(&curve, sizeof curve);
    if (rc)
        return cli_print_call_error(ctx, "intake", ep, rc);
    rc = CLI_EXIT_OK;
    while (rc == CLI_EXIT_OK && s_frame_size(req) > ctx->cfg.max_request) {
        Rongyu__Attachment *big = NULL;
        for (size_t i = 0; i < app->n_attachments; i++) {
            Rongyu__Attachment *at = app->attachments[i];
            if (at->content.len && (!big || at->content.len > big->content.len))
                big = at;
        }
        if (!big)
            break; /* cli_call refuses the request with E_TOO_LARGE */
        rc = s_upload_one(ctx, client, ep, app->applicant_org, big);
        /* Named by sha256 (and size) alone from now on; the buffer stays
         * with the application, which frees it. */
        if (rc == CLI_EXIT_OK)
            big->content.len = 0;
    }
    cli_client_destroy(&client);
    return rc;
}
