/* Fuzz target: the configuration file (key = value lines). */
#include <stddef.h>
#include <stdint.h>
#include "ry_config.h"
#include "ry_log.h"
#include "fz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ry_log_level = -1;
    ry_config_t cfg;
    char err[600];
    ry_config_load(&cfg, fz_file("rongyu.conf", data, len), err, sizeof err);
    return 0;
}
