/* tools_setup: configuration, endpoint and example for the tools. */
#include "tools_setup.h"

#include "ry_json.h"
#include "ry_keys.h"

#include <stdio.h>
#include <stdlib.h>

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
    char dir[600], mine[700], intake[700];
    const char *key = getenv("RONGYU_KEY");
    const char *ik = getenv("RONGYU_INTAKE_KEY");
    ry_keys_dir(out->cfg.home, dir, sizeof dir);
    snprintf(mine, sizeof mine, "%s", key && *key ? key : "");
    if (!mine[0])
        snprintf(mine, sizeof mine, "%s/admin.cert", dir);
    snprintf(intake, sizeof intake, "%s", ik && *ik ? ik : "");
    if (!intake[0])
        snprintf(intake, sizeof intake, "%s/intake.cert", dir);
    if (ry_keys_read_pair(mine, out->curve.public_key,
                          out->curve.secret_key) != 0 ||
        ry_keys_read_public(intake, out->curve.server_public) != 0) {
        fprintf(stderr, "%s: cannot read the key pair '%s' or intake's "
                        "public key '%s' (set RONGYU_KEY, RONGYU_INTAKE_KEY)\n",
                prog, mine, intake);
        return 2;
    }
    ry_json_error_t jerr;
    if (ry_json_application_load(example, &out->app, &jerr) != 0) {
        fprintf(stderr, "%s: %s\n", prog, jerr.text);
        return 2;
    }
    return 0;
}
