/* rongyu-notification: keeps the case events and tells people what is
 * due. */
#include "notify_server.h"
#include "ry_daemon.h"

int
main(int argc, char **argv)
{
    ry_config_t cfg;
    int rc = ry_daemon_init(argc, argv, RY_SVC_NOTIFICATION,
                            "The notification service: records case events "
                            "and delivers reminders.\n"
                            "通知服务：记录申报事件并发送提醒。",
                            &cfg);
    if (rc)
        return rc == 1 ? 0 : 2;
    ry_daemon_signals();
    notify_server_t *srv;
    if (notify_server_new(&cfg, &srv) != 0)
        return 1;
    ry_daemon_loop(notify_server_channel(srv));
    notify_server_destroy(&srv);
    return 0;
}
