/* Fuzz target: an application as JSON (what 'rongyu submit' reads),
 * attachments relative to an empty directory. */
#include <stddef.h>
#include <stdint.h>
#include "ry_json.h"
#include "ry_log.h"
#include "fz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ry_log_level = -1;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    if (ry_json_application_parse((const char *)data, len, fz_dir(), "fuzz",
                                  &app, &err) == 0)
        ry_json_application_free(&app);
    return 0;
}
