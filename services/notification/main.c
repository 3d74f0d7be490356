/* rongyu-notification: keeps the case events, the timers of every
 * deadline, and delivers the reminders (feed, webhooks, e-mail). */
#include "notify_server.h"
#include "ry_daemon.h"
#include "ry_log.h"

int
main(int argc, char **argv)
{
    ry_config_t cfg;
    int rc = ry_daemon_init(argc, argv, RY_SVC_NOTIFICATION,
                            "The notification service: records case events, "
                            "keeps the deadline timers and delivers "
                            "reminders\n(ZeroMQ feed, webhooks, e-mail). "
                            "Its own settings (RONGYU_NOTIFY_*) are listed\n"
                            "in docs/notifications.md.\n"
                            "通知服务：记录申报事件，按工作日历提醒各项截止日期，"
                            "通过订阅推送、Webhook 和电子邮件送达。",
                            &cfg);
    if (rc)
        return rc == 1 ? 0 : 2;
    ry_daemon_signals();
    notify_server_t *srv;
    if (notify_server_new(&cfg, NULL, &srv) != 0)
        return 1;
    int backoff = 0;
    while (!ry_daemon_stop)
        ry_daemon_backoff(notify_server_run_once(srv, 200), &backoff);
    ry_info(NULL, "stopping");
    notify_server_destroy(&srv);
    return 0;
}
