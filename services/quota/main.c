/* rongyu-quota: holds the allocation tables and who holds which seat. */
#include "quota_server.h"
#include "ry_daemon.h"

int
main(int argc, char **argv)
{
    ry_config_t cfg;
    int rc = ry_daemon_init(argc, argv, RY_SVC_QUOTA,
                            "The quota service: reserves, confirms and "
                            "releases seats of the campaign's quota tables.\n"
                            "名额服务：按名额分配表预留、确认和释放名额。",
                            &cfg);
    if (rc)
        return rc == 1 ? 0 : 2;
    ry_daemon_signals();
    quota_server_t *srv;
    if (quota_server_new(&cfg, &srv) != 0)
        return 1;
    ry_daemon_loop(quota_server_channel(srv));
    quota_server_destroy(&srv);
    return 0;
}
