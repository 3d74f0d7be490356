/* tools_setup: what the benchmark tools share before they run: the
 * configuration, intake's endpoint and the example application. */
#ifndef TOOLS_SETUP_H
#define TOOLS_SETUP_H

#include "cli_client.h"
#include "rongyu.pb-c.h"
#include "ry_config.h"

typedef struct {
    ry_config_t cfg;
    const char *endpoint;     /* the --endpoint given, else intake's */
    cli_curve_t curve;        /* our key ($RONGYU_KEY, else the admin's)
                                 and intake's public key */
    Rongyu__Application *app; /* the example, the caller's to free with
                                 ry_json_application_free */
} tools_setup_t;

/* Loads the configuration and the example application file. 'endpoint'
 * (may be NULL) overrides the configured intake endpoint and must outlive
 * 'out'. Returns 0, or 2 (the tools' exit status for bad input) after
 * printing why, prefixed with 'prog' (also when a key is missing). */
int tools_setup(const char *prog, const char *endpoint, const char *example,
                tools_setup_t *out);

#endif
