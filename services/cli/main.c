/* rongyu: the command-line client. Picks the command and dispatches;
 * the commands live in the ry_cli library (cli_*.c). */
#include "cli_cmds.h"
#include "cli_util.h"
#include "ry_log.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* NULL: planned, not yet here */
    const char *zh, *en;
} s_command_t;

/* New commands (calendar, quota, export, org) get a row here. */
static const s_command_t s_commands[] = {
    {"submit", cli_cmd_submit, "上报申请", "submit an application file"},
    {"draft", cli_cmd_draft, "保存或上报草稿",
     "save a draft (draft save) or submit one (draft submit)"},
    {"show", cli_cmd_show, "显示案件、审查结果与审计记录",
     "show a case, its verdict and audit log"},
    {"list", cli_cmd_list, "列出案件", "list cases"},
    {"status", cli_cmd_status, "显示 intake 状态",
     "show intake's links and counters"},
    {"ping", cli_cmd_ping, "检查各服务是否应答",
     "check that the services answer"},
    {"calendar", cli_cmd_calendar, "工作日历", "working-day calendar"},
    {"notifications", cli_cmd_notifications, "通知送达记录与定时器",
     "the notification service's deliveries, timers and feed"},
    {"quota", cli_cmd_quota, "名额分配表与已用名额",
     "the Annex 1 quota table: used and cap"},
    {"export", cli_cmd_export, "导出汇总表（附件2/3/4）",
     "export a unit's summary table (Annex 2, 3, 4)"},
    {"org", cli_cmd_org, "组织登记与列表",
     "import or list organisations"},
    {"keys", cli_cmd_keys, "密钥：生成、登记、吊销、列表",
     "keys: create, register, revoke, list"},
    {"review", cli_cmd_review, "组织单位审核（验家）",
     "the unit's review: approve, return, reject"},
    {"recommend", cli_cmd_recommend, "推荐至市总工会",
     "recommend an approved case to the city"},
    {"decide", cli_cmd_decide, "市总工会审核：表彰或未入选",
     "the city's decision: award or not selected"},
    {"withdraw", cli_cmd_withdraw, "撤回申报", "withdraw a case"},
    {"posting", cli_cmd_posting, "登记公示开始",
     "record a draft's public posting (posting start)"},
    {"postings", cli_cmd_postings, "组织单位各草稿的公示状态",
     "a unit's drafts and their posting state"},
    {"deadline", cli_cmd_deadline, "推荐截止日期与延期",
     "the summary deadline and the city's extensions"},
    {"dead", cli_cmd_dead, "死信：列出、查看、重试、删除",
     "dead letters: list, show, retry, drop"},
};
#define S_NCOMMANDS (sizeof s_commands / sizeof s_commands[0])

static int
s_usage(FILE *out)
{
    fprintf(out,
            "rongyu — 杭州市工会荣誉申报评选 Hangzhou union honours campaign\n"
            "\n"
            "用法 Usage: rongyu COMMAND [ARGS] [options]\n"
            "            rongyu COMMAND --help\n"
            "\n"
            "命令 Commands:\n");
    for (size_t i = 0; i < S_NCOMMANDS; i++) {
        const s_command_t *c = &s_commands[i];
        fprintf(out, "  %-9s %s %s%s\n", c->name, c->zh, c->en,
                c->run ? "" : " (计划中 planned)");
    }
    fprintf(out, "  %-9s %s\n\n", "help", "显示帮助 show this help");
    fputs(cli_common_help, out);
    return CLI_EXIT_OK;
}

/* rongyu help --json: {"commands": [{"name", "zh", "en"}]}. */
static int
s_usage_json(void)
{
    printf("{\"commands\": [");
    for (size_t i = 0; i < S_NCOMMANDS; i++) {
        const s_command_t *c = &s_commands[i];
        printf("%s{\"name\": ", i ? ", " : "");
        cli_json_string(stdout, c->name);
        printf(", \"zh\": ");
        cli_json_string(stdout, c->zh);
        printf(", \"en\": ");
        cli_json_string(stdout, c->en);
        printf("}");
    }
    printf("]}\n");
    return CLI_EXIT_OK;
}

int
main(int argc, char **argv)
{
    /* What the libraries log is said only when something is wrong (unless
     * RONGYU_LOG_LEVEL says otherwise): a command speaks for itself. */
    ry_log_level = RY_LOG_WARN;
    ry_log_init("rongyu");
    if (argc < 2) {
        s_usage(stderr);
        return CLI_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "-h") == 0) {
        if (argc == 3 && strcmp(argv[2], "--json") == 0)
            return s_usage_json();
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            /* "rongyu help show" is "rongyu show --help". */
            char help[] = "--help";
            char *args[] = {argv[2], help, NULL};
            for (size_t i = 0; i < S_NCOMMANDS; i++)
                if (strcmp(s_commands[i].name, argv[2]) == 0 &&
                    s_commands[i].run)
                    return s_commands[i].run(2, args);
        }
        return s_usage(stdout);
    }
    for (size_t i = 0; i < S_NCOMMANDS; i++) {
        const s_command_t *c = &s_commands[i];
        if (strcmp(c->name, cmd) != 0)
            continue;
        if (!c->run) {
            fprintf(stderr, "rongyu %s: 尚未实现 not implemented yet\n", cmd);
            return CLI_EXIT_ERROR;
        }
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "rongyu: 未知命令 unknown command '%s'\n"
                    "命令列表见 see 'rongyu help'\n", cmd);
    return CLI_EXIT_ERROR;
}
