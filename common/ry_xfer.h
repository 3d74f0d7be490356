/* ry_xfer: outgoing transfers that must not block a service's loop:
 * HTTP POSTs (webhooks) and SMTP submissions (e-mail), driven by libcurl's
 * multi interface from the caller's thread. No CURL* type leaves this
 * module. */
#ifndef RY_XFER_H
#define RY_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ry_xfer ry_xfer_t;

struct sockaddr;

/* Whether the address is link-local (169.254.0.0/16, also IPv4-mapped,
 * or fe80::/10), where cloud machines serve their metadata and
 * credentials. No transfer connects to one, whatever name resolves
 * there: it ends refused, saying so. */
bool ry_xfer_link_local(const struct sockaddr *sa);

/* Whether the URL's host is written as a link-local address (a name is
 * not resolved here). */
bool ry_xfer_url_link_local(const char *url);

/* The outcome of one transfer. */
typedef struct {
    uint64_t id;      /* the caller's id given when it was started */
    bool ok;          /* HTTP 2xx, or the SMTP server accepted the mail */
    long status;      /* HTTP status or last SMTP reply code; 0 if none */
    char error[256];  /* why not ok ("" when ok) */
} ry_xfer_done_t;

/* Creates a pool of at most 'max_active' concurrent transfers, each
 * given up after timeout_ms. Returns 0 and sets *out (the caller's:
 * ry_xfer_destroy), or RY_EIO when libcurl cannot start. */
int ry_xfer_new(unsigned max_active, long timeout_ms, ry_xfer_t **out);

/* Abandons every transfer in flight and frees; nulls *self_p; safe on
 * NULL. */
void ry_xfer_destroy(ry_xfer_t **self_p);

/* Starts an HTTP POST of body[0..len) to 'url' with the extra header
 * lines 'headers' (NULL-terminated, "Name: value"; copied). Returns 0,
 * RY_EAGAIN when max_active transfers are in flight, or RY_EINVAL. */
int ry_xfer_post(ry_xfer_t *self, uint64_t id, const char *url,
                 const char *const *headers, const char *body, size_t len);

/* Starts an SMTP submission of the RFC 5322 message msg[0..len) (headers
 * and body, CRLF line ends) from 'from' to 'to' through the server at
 * 'url' ("smtp://host:port"). Returns as ry_xfer_post. */
int ry_xfer_mail(ry_xfer_t *self, uint64_t id, const char *url,
                 const char *from, const char *to, const char *msg,
                 size_t len);

/* Drives the transfers, waiting up to wait_ms for activity (0: do not
 * wait). Returns 0 or RY_EIO. */
int ry_xfer_run(ry_xfer_t *self, int wait_ms);

/* Takes one finished transfer's outcome. Returns true and fills *out, or
 * false when none has finished. */
bool ry_xfer_next_done(ry_xfer_t *self, ry_xfer_done_t *out);

/* Transfers in flight. */
unsigned ry_xfer_active(const ry_xfer_t *self);

#endif
