/* cli_wait: --wait, a long poll (WaitRequest) after a request that started
 * asynchronous work: a submission waits for its verdict, a recommendation
 * for quota's seat, the city's award for the seat's confirmation. */
#ifndef CLI_WAIT_H
#define CLI_WAIT_H

#include "cli_client.h"
#include "cli_util.h"

/* True for the states a case leaves by itself (SUBMITTED, RECOMMENDING,
 * SELECTING). */
int cli_wait_transient(int state);

/* When *reply (code OK) carries a case in a transient state, asks intake
 * through 'client' to answer when it leaves that state, for at most
 * ctx->wait_s seconds, and replaces *reply with a CaseReply of the case
 * as it then is. A case still in that state at the end prints a warning
 * to stderr and returns RY_ETIMEOUT (*reply holds the case as it is); an
 * error reply to the wait replaces *reply as well. Returns 0, RY_ETIMEOUT, or
 * the error of cli_client_call. */
int cli_wait_settle(cli_ctx_t *ctx, cli_client_t *client,
                    Rongyu__Principal *principal, Rongyu__Reply **reply);

#endif
