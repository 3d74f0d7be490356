/* cli_wait: --wait, by WaitRequest. */
#include "cli_wait.h"

#include "ry_clock.h"
#include "ry_error.h"
#include "ry_names.h"
#include "ry_pb.h"

#include <stdio.h>
#include <stdlib.h>

int
cli_wait_transient(int state)
{
    return state == RONGYU__CASE_STATE__SUBMITTED ||
           state == RONGYU__CASE_STATE__RECOMMENDING ||
           state == RONGYU__CASE_STATE__SELECTING;
}

/* The case of a reply (a CaseReply or a WaitReply), or NULL. */
static const Rongyu__Case *
s_case_of(const Rongyu__Reply *r)
{
    if (r->body_case == RONGYU__REPLY__BODY_CASE && r->case_)
        return r->case_->case_;
    if (r->body_case == RONGYU__REPLY__BODY_WAIT && r->wait && r->wait->case_)
        return r->wait->case_->case_;
    return NULL;
}

/* Turns a WaitReply into the CaseReply the commands print. */
static Rongyu__Reply *
s_as_case_reply(const Rongyu__Reply *w)
{
    Rongyu__Reply r = *w;
    r.body_case = RONGYU__REPLY__BODY_CASE;
    r.case_ = w->wait->case_;
    size_t len;
    uint8_t *buf = ry_pb_pack(&r.base, &len);
    Rongyu__Reply *out = (Rongyu__Reply *)ry_pb_unpack(
        &rongyu__reply__descriptor, buf, len, 4 * len + 65536);
    free(buf);
    if (!out)
        abort();
    return out;
}

int
cli_wait_settle(cli_ctx_t *ctx, cli_client_t *client,
                Rongyu__Principal *principal, Rongyu__Reply **reply)
{
    int64_t deadline = ry_clock_mono_ms() + (int64_t)ctx->wait_s * 1000;
    for (;;) {
        const Rongyu__Case *c = s_case_of(*reply);
        if ((*reply)->code != RONGYU__ERROR_CODE__OK || !c ||
            !cli_wait_transient(c->state))
            return 0;
        int64_t left = deadline - ry_clock_mono_ms();
        if (left <= 0) {
            fprintf(stderr,
                    "警告：等待 %d 秒后申报 %s 仍为 %s\n"
                    "warning: case %s is still %s after %d s\n",
                    ctx->wait_s, c->case_id, ry_names_state_zh(c->state),
                    c->case_id, ry_names_state_en(c->state), ctx->wait_s);
            return RY_ETIMEOUT;
        }
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        Rongyu__WaitRequest w = RONGYU__WAIT_REQUEST__INIT;
        char id[32];
        snprintf(id, sizeof id, "%s", c->case_id);
        w.case_id = id;
        w.state = c->state;
        w.timeout_ms = (uint32_t)(left > 60000 ? 60000 : left);
        req.principal = principal;
        req.body_case = RONGYU__REQUEST__BODY_WAIT;
        req.wait = &w;
        Rongyu__Reply *r = NULL;
        /* The wait is read-only: resending it after a lost reply is safe. */
        int rc =
            cli_client_call(client, &req, (int)w.timeout_ms + ctx->timeout_ms,
                            ctx->attempts, &r);
        if (rc)
            return rc;
        cli_client_reply_free(reply);
        if (r->code == RONGYU__ERROR_CODE__OK &&
            r->body_case == RONGYU__REPLY__BODY_WAIT && r->wait &&
            r->wait->case_) {
            *reply = s_as_case_reply(r);
            cli_client_reply_free(&r);
        } else {
            *reply = r;
        }
    }
}
