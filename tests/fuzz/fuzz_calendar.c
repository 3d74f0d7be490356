/* Fuzz target: a calendar year file (date,kind,name CSV). */
#include <stddef.h>
#include <stdint.h>
#include "ry_calendar.h"
#include "ry_log.h"
#include "fz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ry_log_level = -1;
    ry_calendar_t *cal = NULL;
    if (ry_calendar_new(&cal))
        return 0;
    char err[512];
    ry_calendar_load_file(cal, fz_file("cal.csv", data, len), err, sizeof err);
    ry_calendar_destroy(&cal);
    return 0;
}
