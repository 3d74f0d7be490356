/* cli_client: a client of intake's request socket (one DEALER, one frame
 * per request and per reply, retries with the same request), and the
 * liveness probe of the other services. No zmq_* type leaves this
 * module. Used by the rongyu CLI and by tools/load.c. */
#ifndef CLI_CLIENT_H
#define CLI_CLIENT_H

#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cli_client cli_client_t;

/* CURVE keys, each 40 characters of Z85 plus NUL. */
typedef struct {
    char server_public[41]; /* the service's public key */
    char public_key[41];    /* this client's key pair */
    char secret_key[41];
} cli_curve_t;

/* Largest reply frame accepted by default (ZMQ_MAXMSGSIZE). */
#define CLI_CLIENT_MAX_REPLY (128u * 1024u * 1024u)

/* Creates a client of intake at 'endpoint' ("tcp://host:port") and
 * connects its DEALER (linger 0, ZMQ_MAXMSGSIZE CLI_CLIENT_MAX_REPLY).
 * 'curve' (NULL: plain) is copied. Returns 0 and sets *out; RY_EINVAL
 * when the endpoint is not one ZeroMQ accepts; RY_ENET when a socket
 * cannot be made. The client is the caller's: cli_client_destroy. */
int cli_client_new(const char *endpoint, const cli_curve_t *curve,
                   cli_client_t **out);

/* Opens one more connection to first's endpoint with first's keys and
 * options, in first's ZeroMQ context: one I/O thread serves them all
 * (rongyu-load's connections). 'first' must be destroyed after every
 * client made beside it. Returns as cli_client_new. */
int cli_client_new_beside(cli_client_t *first, cli_client_t **out);

/* Closes the socket and frees; nulls *self_p; safe on NULL and twice. */
void cli_client_destroy(cli_client_t **self_p);

/* The endpoint given to cli_client_new; borrowed, valid until destroy. */
const char *cli_client_endpoint(const cli_client_t *self);

/* Sets the largest reply frame accepted (from the next connection on);
 * a larger reply is dropped by ZeroMQ and the call times out. */
void cli_client_set_max_reply(cli_client_t *self, size_t bytes);

/* Sends 'req' as one frame and waits up to timeout_ms for the reply that
 * carries its request_id, resending the same frame (same request id and
 * idempotency key) on a fresh socket up to 'attempts' times in all
 * (at least 1). When req->request_id is empty a fresh random one is used
 * (req itself is not changed). Replies with another request_id are
 * ignored. A reply with code E_BUSY is retried after its retry_after_ms
 * (at most 20 times, not counted as attempts); the last E_BUSY reply is
 * returned if it persists, and at once when retry_after_ms is 0 (no
 * retry will help soon, e.g. a full store).
 * Returns 0 and sets *reply (any code: the caller checks reply->code),
 * the caller's to free with cli_client_reply_free; RY_ETIMEOUT when no
 * reply came; RY_EMALFORMED when only undecodable frames came;
 * RY_EPERM when the service refused the CURVE handshake (our key is not
 * admitted there, or the server key is wrong: no retry helps);
 * RY_EINVAL for a NULL argument; RY_ENET when a socket operation failed
 * or a signal interrupted the wait. */
int cli_client_call(cli_client_t *self, const Rongyu__Request *req,
                    int timeout_ms, int attempts, Rongyu__Reply **reply);

/* Pipelined use (many requests in flight on the one DEALER; the caller
 * matches replies by request_id and resends what was not answered):
 * sends the packed request at data (len bytes, its request_id set by the
 * caller) as one frame, as it is, waiting at most timeout_ms for room in
 * the socket's queue. Returns 0; RY_ETIMEOUT when the queue stayed full
 * (nothing sent); RY_EINVAL for a NULL argument or empty data; RY_ENET
 * when the socket failed. */
int cli_client_send_raw(cli_client_t *self, const uint8_t *data, size_t len,
                        int timeout_ms);

/* Receives the next one-frame reply (of any request) within timeout_ms
 * (0: only one already waiting), undecoded: its bytes in *data (malloc'd,
 * the caller's) and *len. Returns 0; RY_ETIMEOUT when none came (replies
 * of several frames are dropped); RY_EPERM when the service refused the
 * CURVE handshake; RY_ENET when polling failed. */
int cli_client_recv_raw(cli_client_t *self, int timeout_ms, uint8_t **data,
                        size_t *len);

/* Waits up to timeout_ms (0: does not wait) until a reply waits on any
 * of the n clients (at most 64). Returns 0 (then cli_client_recv_raw
 * with 0 takes it; 'ready', when not NULL, says for each client whether
 * a reply waits on it, so that only those are read); RY_ETIMEOUT (all of
 * 'ready' false); RY_EINVAL for bad arguments; RY_ENET when polling
 * failed. A refused handshake is not looked for here (a look into each
 * client's monitor on every wait doubled a load generator's polling):
 * see cli_client_refused_any. */
int cli_client_wait_any(cli_client_t *const *cls, int n, int timeout_ms,
                        bool *ready);

/* Whether a service refused the CURVE handshake of one of the n clients
 * since the last look (without waiting): RY_EPERM, else 0; RY_EINVAL for
 * bad arguments. */
int cli_client_refused_any(cli_client_t *const *cls, int n);

/* Frees a reply from cli_client_call and nulls *reply_p; safe on NULL. */
void cli_client_reply_free(Rongyu__Reply **reply_p);

/* Probes a service's peer socket: sends Envelope{kind=PING,
 * sender_id="cli-<random>"} from a fresh DEALER at 'endpoint' and waits
 * up to timeout_ms for Envelope{kind=PONG}. Returns 0 and copies the
 * PONG's sender_id (the service's name) to who (may be NULL);
 * RY_ETIMEOUT when nothing answered; RY_EPERM when the service answered
 * the handshake but refused the key; RY_EMALFORMED when only other
 * frames came; RY_EINVAL for a bad endpoint; RY_ENET on socket failure.
 * 'curve' as in cli_client_new. */
int cli_client_ping(const char *endpoint, const cli_curve_t *curve,
                    int timeout_ms, char *who, size_t who_len);

/* Writes "<prefix><32 random hex digits>" to buf (truncated to len). */
void cli_random_id(const char *prefix, char *buf, size_t len);

#endif
