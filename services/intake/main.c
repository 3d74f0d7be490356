/* rongyu-intake: the front door; owns every case and its state. */
#include "intake_server.h"
#include "ry_daemon.h"
#include "ry_error.h"
#include "ry_log.h"

int
main(int argc, char **argv)
{
    ry_config_t cfg;
    int rc = ry_daemon_init(argc, argv, RY_SVC_INTAKE,
                            "The intake service: takes applications from "
                            "clients, owns each case's state and audit log.\n"
                            "受理服务：接收申报，管理申报状态与审计记录。",
                            &cfg);
    if (rc)
        return rc == 1 ? 0 : 2;
    ry_daemon_signals();
    intake_server_t *srv;
    if (intake_server_new(&cfg, &srv) != 0)
        return 1;
    int backoff = 0;
    while (!ry_daemon_stop)
        ry_daemon_backoff(intake_server_run_once(srv, 200), &backoff);
    ry_info(NULL, "stopping");
    intake_server_destroy(&srv);
    return 0;
}
