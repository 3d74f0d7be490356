/* ry_endpoint: endpoints derived from another ("tcp://host:port" + n), so a
 * service's extra sockets follow its configured endpoint. */
#ifndef RY_ENDPOINT_H
#define RY_ENDPOINT_H

#include <stddef.h>

/* Writes 'ep' with its TCP port moved by 'delta' to out
 * ("tcp://127.0.0.1:7704", 1 -> "tcp://127.0.0.1:7705"). An endpoint
 * whose port is "*" keeps "*" (a free port is picked at bind). Returns 0,
 * or RY_EINVAL when ep is not "tcp://HOST:PORT", the port leaves
 * 1..65535, or out is too small. */
int ry_endpoint_offset(const char *ep, int delta, char *out, size_t len);

#endif
