/* ut_pb: protobuf bytes rearranged for the unit tests (header only). */
#ifndef UT_PB_H
#define UT_PB_H

#include "ry_pb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The top-level fields of the message in data, in the reverse order, in a
 * malloc'd buffer of the same length: what a client whose encoder writes
 * fields in another order than protobuf-c would send. NULL when data is
 * not a message of 2 to 16 fields. */
static inline uint8_t *
ut_pb_reversed(const uint8_t *data, size_t len)
{
    ry_pb_field_t f[16];
    size_t nf = 0, pos = 0;
    while (nf < 16 && ry_pb_next(data, len, &pos, &f[nf]) == 1)
        nf++;
    if (nf < 2 || pos != len)
        return NULL;
    uint8_t *rev = malloc(len);
    if (!rev)
        abort();
    size_t at = 0;
    for (size_t i = nf; i-- > 0; at += f[i].n)
        memcpy(rev + at, f[i].start, f[i].n);
    return rev;
}

#endif
