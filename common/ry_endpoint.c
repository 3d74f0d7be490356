/* ry_endpoint: endpoints derived from another. */
#include "ry_endpoint.h"

#include "ry_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ry_endpoint_offset(const char *ep, int delta, char *out, size_t len)
{
    if (!ep || strncmp(ep, "tcp://", 6) != 0)
        return RY_EINVAL;
    const char *colon = strrchr(ep + 6, ':');
    if (!colon || colon == ep + 6)
        return RY_EINVAL;
    int hostlen = (int)(colon - ep);
    int n;
    if (strcmp(colon + 1, "*") == 0) {
        n = snprintf(out, len, "%.*s:*", hostlen, ep);
    } else {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end || port + delta < 1 ||
            port + delta > 65535)
            return RY_EINVAL;
        n = snprintf(out, len, "%.*s:%ld", hostlen, ep, port + delta);
    }
    return n < 0 || (size_t)n >= len ? RY_EINVAL : 0;
}
