/* tools_setup: configuration, endpoint and example for the tools. */
#include "tools_setup.h"

#include "ry_json.h"

#include <stdio.h>

int
tools_setup(const char *prog, const char *endpoint, const char *example,
            tools_setup_t *out)
{
    char err[600];
    out->app = NULL;
    if (ry_config_load(&out->cfg, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    out->endpoint = endpoint ? endpoint : out->cfg.endpoint[RY_SVC_INTAKE];
    ry_json_error_t jerr;
    if (ry_json_application_load(example, &out->app, &jerr) != 0) {
        fprintf(stderr, "%s: %s\n", prog, jerr.text);
        return 2;
    }
    return 0;
}
