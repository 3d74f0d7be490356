/* rongyu-validation: judges each submitted case against its campaign. */
#include "ry_daemon.h"
#include "validation_server.h"

int
main(int argc, char **argv)
{
    ry_config_t cfg;
    int rc = ry_daemon_init(argc, argv, RY_SVC_VALIDATION,
                            "The validation service: checks each submitted "
                            "application against its campaign's rules.\n"
                            "资格审查服务：按评选活动规则审查每份申报。",
                            &cfg);
    if (rc)
        return rc == 1 ? 0 : 2;
    ry_daemon_signals();
    validation_server_t *srv;
    if (validation_server_new(&cfg, &srv) != 0)
        return 1;
    ry_daemon_loop(validation_server_channel(srv));
    validation_server_destroy(&srv);
    return 0;
}
