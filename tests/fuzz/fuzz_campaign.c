/* Fuzz target: a campaign file (JSON). */
#include <stddef.h>
#include <stdint.h>
#include "ry_campaign.h"
#include "ry_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ry_log_level = -1;
    ry_campaign_t *c = NULL;
    char err[512];
    if (ry_campaign_load_buffer("fuzz", (const char *)data, len, &c, err,
                                sizeof err) == 0)
        ry_campaign_destroy(&c);
    return 0;
}
