/* Fuzz target: notification's subscribers file (JSON). */
#include <stddef.h>
#include <stdint.h>
#include "notify_subs.h"
#include "ry_log.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ry_log_level = -1;
    notify_sub_t *subs = NULL;
    size_t n = 0;
    char err[512];
    if (notify_subs_parse((const char *)data, len, &subs, &n, err,
                          sizeof err) == 0)
        free(subs);
    return 0;
}
