/* cli_calendar: `rongyu calendar`, the official working-day calendar for a
 * person: is a day a working day, the Nth working day from a day (the
 * earliest end of a posting), the Nth working day before a day, and the
 * working days in a range. Answers locally; no service is asked. */
#include "cli_cmds.h"
#include "cli_util.h"
#include "ry_calendar.h"
#include "ry_config.h"
#include "ry_daemon.h"
#include "ry_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_help[] =
    "用法 Usage: rongyu calendar QUESTION ARGS [--file CSV] [--json]\n"
    "\n"
    "  按国务院办公厅公布的节假日与调休安排回答工作日问题（内置 2018–2026 "
    "年）。\n"
    "  Answers working-day questions on the official PRC calendar (State\n"
    "  Council holidays and weekend make-up workdays; 2018–2026 built in),\n"
    "  with the years of the calendar directory as the services read them\n"
    "  (calendar_dir, default $RONGYU_HOME/calendar: every *.csv there).\n"
    "\n"
    "  workday DATE          是否工作日 is DATE a working day?\n"
    "  posting START [N]     自 START 起公示 N 个工作日（默认 5）最早结束日\n"
    "                        earliest end of a posting of N working days\n"
    "                        (default 5) that starts on START: the Nth\n"
    "                        working day counting START itself if it is one\n"
    "  after DATE N          自 DATE 起（当日为工作日时计入）第 N 个工作日\n"
    "                        the Nth working day counting from DATE (DATE\n"
    "                        itself when it is a working day)\n"
    "  before DATE N         DATE 之前第 N 个工作日 the Nth working day\n"
    "                        strictly before DATE (for reminders)\n"
    "  count FROM TO         FROM 至 TO（含两端）的工作日数 working days in\n"
    "                        [FROM, TO], both ends included\n"
    "\n"
    "  --file CSV   另加载年份（date,kind,name；kind 为 off 或 work）\n"
    "               load more years from a CSV file (date,kind,name with\n"
    "               kind off|work), e.g. next year's State Council list\n"
    "  --json       输出 JSON output for scripts; errors too, as\n"
    "               {\"code\", \"message_zh\", \"message_en\"[, "
    "\"missing_year\"]}\n"
    "\n"
    "  日期格式 Dates: YYYY-MM-DD. 无该年数据时报错并指明缺少的年份，绝不\n"
    "  猜测。A year with no data is an error naming the missing year (a\n"
    "  posting from 2026-12-28 needs 2027), never a guess (exit 1).\n"
    "\n"
    "例 Example: rongyu calendar posting 2018-09-28\n"
    "  → 2018-10-09（星期二）: 09-29 and 09-30 were make-up workdays, "
    "10-01..07\n"
    "    the National Day holiday.\n";

static const char *const s_wd_zh[] = {"", "一", "二", "三", "四", "五", "六",
                                      "日"};
static const char *const s_wd_en[] = {"",    "Mon", "Tue", "Wed",
                                      "Thu", "Fri", "Sat", "Sun"};

/* "2018-10-09（星期二 Tue）" into buf. */
static const char *
s_day(ry_date_t d, char *buf, size_t len)
{
    char iso[RY_DATE_STRLEN];
    ry_date_format(d, iso, sizeof iso);
    int w = ry_date_weekday(d);
    snprintf(buf, len, "%s（星期%s %s）", iso, s_wd_zh[w], s_wd_en[w]);
    return buf;
}

/* "1st", "2nd", "3rd", "4th", "11th", ... */
static const char *
s_ordinal(int n, char *buf, size_t len)
{
    const char *suf = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1)
            suf = "st";
        else if (n % 10 == 2)
            suf = "nd";
        else if (n % 10 == 3)
            suf = "rd";
    }
    snprintf(buf, len, "%d%s", n, suf);
    return buf;
}

/* An error: with --json as {"code", "message_zh", "message_en",
 * "detail"[, "missing_year"]} on stdout (as the other commands print an
 * error reply); always as two lines, one per language, on stderr. */
static int
s_error(bool json, int exit_code, const char *code, int missing_year,
        const char *zh, const char *en)
{
    if (json) {
        printf("{\"code\": \"%s\", \"message_zh\": ", code);
        cli_json_string(stdout, zh);
        printf(", \"message_en\": ");
        cli_json_string(stdout, en);
        if (missing_year)
            printf(", \"missing_year\": %d", missing_year);
        printf("}\n");
    }
    fprintf(stderr, "错误：%s\nerror: %s\n", zh, en);
    if (exit_code == CLI_EXIT_ERROR && !missing_year &&
        strcmp(code, "E_INVALID") == 0)
        fprintf(stderr, "用法见 'rongyu calendar --help'。See 'rongyu "
                        "calendar --help'.\n");
    return exit_code;
}

static int
s_date_arg(bool json, const char *s, ry_date_t *d)
{
    if (ry_date_parse(s, d) == 0)
        return 0;
    char zh[160], en[160];
    snprintf(zh, sizeof zh, "“%s”不是有效日期（格式 YYYY-MM-DD）。", s);
    snprintf(en, sizeof en, "'%s' is not a real date (YYYY-MM-DD).", s);
    return s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0, zh, en);
}

static int
s_int_arg(bool json, const char *s, int *n)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && !*end && v >= 1 && v <= 3660) {
        *n = (int)v;
        return 0;
    }
    char zh[160], en[160];
    snprintf(zh, sizeof zh, "“%s”应为 1 至 3660 的整数。", s);
    snprintf(en, sizeof en, "'%s' should be a whole number 1..3660.", s);
    return s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0, zh, en);
}

/* The first year in from..to (step +1 or -1) the calendar has no data
 * for, or 0. */
static int
s_missing_year(const ry_calendar_t *cal, int from, int to)
{
    int step = from <= to ? 1 : -1;
    for (int y = from;; y += step) {
        if (y >= 1 && y <= 9999 && !ry_calendar_has_year(cal, y))
            return y;
        if (y == to)
            return 0;
    }
}

/* A question the calendar cannot answer: names the year that is missing
 * (a posting from 2026-12-28 runs into 2027). */
static int
s_nodata(bool json, int rc, int year)
{
    char zh[320], en[320];
    if (rc == RY_ENODATA && year) {
        snprintf(zh, sizeof zh,
                 "日历中没有 %d 年的数据，无法回答，也不作推测；可用 --file "
                 "加载该年的节假日安排，或放入日历目录供各服务读取。",
                 year);
        snprintf(en, sizeof en,
                 "The calendar has no data for %d, so there is no answer and "
                 "none is guessed; load that year with --file, or put it in "
                 "the calendar directory for the services too.",
                 year);
        return s_error(json, CLI_EXIT_ERROR, "E_NOT_FOUND", year, zh, en);
    }
    snprintf(zh, sizeof zh, "日历无法回答（%s）。", ry_strerror(rc));
    snprintf(en, sizeof en, "The calendar cannot answer (%s).",
             ry_strerror(rc));
    return s_error(json, CLI_EXIT_ERROR, "E_INTERNAL", 0, zh, en);
}

int
cli_cmd_calendar(int argc, char **argv)
{
    bool json = false;
    const char *file = NULL, *unknown = NULL, *extra = NULL;
    const char *args[4];
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(s_help, stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            unknown = argv[i];
        } else if (nargs < 4) {
            args[nargs++] = argv[i];
        } else {
            extra = argv[i];
        }
    }
    char zh[700], en[700];
    if (unknown || extra) {
        snprintf(zh, sizeof zh, "%s“%s”。", unknown ? "未知选项" : "多余的参数",
                 unknown ? unknown : extra);
        snprintf(en, sizeof en, "%s '%s'.",
                 unknown ? "Unknown option" : "Unexpected argument",
                 unknown ? unknown : extra);
        return s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0, zh, en);
    }
    if (nargs == 0)
        return s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0,
                       "需要一个问题：workday、posting、after、before 或 "
                       "count。",
                       "Expected a question: workday, posting, after, before "
                       "or count.");
    /* The years the services read: built in, and the calendar directory
     * of the configuration. */
    ry_config_t cfg;
    char err[512];
    if (ry_config_load(&cfg, NULL, err, sizeof err) != 0) {
        snprintf(zh, sizeof zh, "配置有误：%s", err);
        snprintf(en, sizeof en, "Bad configuration: %s", err);
        return s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0, zh, en);
    }
    ry_calendar_t *cal = NULL;
    int rc = ry_daemon_calendar(&cfg, &cal);
    if (rc) {
        snprintf(zh, sizeof zh, "日历目录 %.400s 中有文件有误（见上）。",
                 cfg.calendar_dir);
        snprintf(en, sizeof en,
                 "A file in the calendar directory %.400s is refused "
                 "(above).",
                 cfg.calendar_dir);
        return s_error(json, CLI_EXIT_INPUT, "E_INVALID", 0, zh, en);
    }
    if (file && ry_calendar_load_file(cal, file, err, sizeof err) != 0) {
        snprintf(zh, sizeof zh, "日历文件有误：%s", err);
        snprintf(en, sizeof en, "Bad calendar file: %s", err);
        ry_calendar_destroy(&cal);
        return s_error(json, CLI_EXIT_INPUT, "E_INVALID", 0, zh, en);
    }
    const char *q = args[0];
    ry_date_t a, b, out;
    int n = 5, r;
    char s1[64], s2[64];
    if (strcmp(q, "workday") == 0 && nargs == 2) {
        bool yes;
        if ((rc = s_date_arg(json, args[1], &a)))
            goto done;
        if ((r = ry_calendar_is_workday(cal, a, &yes))) {
            rc = s_nodata(json, r, a.y);
            goto done;
        }
        if (json)
            printf("{\"date\":\"%s\",\"workday\":%s}\n", args[1],
                   yes ? "true" : "false");
        else
            printf("%s %s\n", s_day(a, s1, sizeof s1),
                   yes ? "是工作日 is a working day"
                       : "不是工作日 is not a working day");
    } else if ((strcmp(q, "posting") == 0 && (nargs == 2 || nargs == 3)) ||
               ((strcmp(q, "after") == 0 || strcmp(q, "before") == 0) &&
                nargs == 3)) {
        bool before = strcmp(q, "before") == 0;
        if ((rc = s_date_arg(json, args[1], &a)))
            goto done;
        if (nargs == 3 && (rc = s_int_arg(json, args[2], &n)))
            goto done;
        r = before ? ry_calendar_workdays_before(cal, a, n, &out)
                   : ry_calendar_add_workdays(cal, a, n, &out);
        if (r) {
            /* The search ran from a's year on (back, for before) into a
             * year without data: name that year. */
            int span = n / 200 + 2;
            rc = s_nodata(
                json, r,
                s_missing_year(cal, a.y, before ? a.y - span : a.y + span));
            goto done;
        }
        char iso[RY_DATE_STRLEN];
        ry_date_format(out, iso, sizeof iso);
        if (json)
            printf("{\"question\":\"%s\",\"date\":\"%s\",\"n\":%d,"
                   "\"answer\":\"%s\"}\n",
                   q, args[1], n, iso);
        else if (before)
        {
            char ord[16];
            printf("%s 之前第 %d 个工作日是 %s\n"
                   "the %s working day before %s is %s\n",
                   s_day(a, s1, sizeof s1), n, s_day(out, s2, sizeof s2),
                   s_ordinal(n, ord, sizeof ord), args[1], iso);
        } else if (strcmp(q, "after") == 0) {
            char ord[16];
            printf("自 %s 起（当日为工作日时计入）第 %d 个工作日是 %s\n"
                   "the %s working day counting from %s (itself included "
                   "when it is one) is %s\n",
                   s_day(a, s1, sizeof s1), n, s_day(out, s2, sizeof s2),
                   s_ordinal(n, ord, sizeof ord), args[1], iso);
        } else
            printf("自 %s 起公示 %d 个工作日，最早结束于 %s\n"
                   "a posting of %d working days from %s ends at the "
                   "earliest on %s\n",
                   s_day(a, s1, sizeof s1), n, s_day(out, s2, sizeof s2), n,
                   args[1], iso);
    } else if (strcmp(q, "count") == 0 && nargs == 3) {
        if ((rc = s_date_arg(json, args[1], &a)) ||
            (rc = s_date_arg(json, args[2], &b)))
            goto done;
        if (ry_date_compare(a, b) > 0) {
            snprintf(zh, sizeof zh, "起始日 %s 晚于结束日 %s。", args[1],
                     args[2]);
            snprintf(en, sizeof en, "FROM %s is after TO %s.", args[1],
                     args[2]);
            rc = s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0, zh, en);
            goto done;
        }
        if ((r = ry_calendar_count_workdays(cal, a, b, &n))) {
            rc = s_nodata(json, r, s_missing_year(cal, a.y, b.y));
            goto done;
        }
        if (json)
            printf("{\"from\":\"%s\",\"to\":\"%s\",\"workdays\":%d}\n",
                   args[1], args[2], n);
        else
            printf("%s 至 %s 共 %d 个工作日\n"
                   "%d working days from %s to %s, both included\n",
                   s_day(a, s1, sizeof s1), s_day(b, s2, sizeof s2), n, n,
                   args[1], args[2]);
    } else {
        snprintf(zh, sizeof zh, "无法理解问题“%s”（带 %d 个参数）。", q,
                 nargs - 1);
        snprintf(en, sizeof en,
                 "Cannot read the question '%s' with %d argument%s.", q,
                 nargs - 1, nargs == 2 ? "" : "s");
        rc = s_error(json, CLI_EXIT_ERROR, "E_INVALID", 0, zh, en);
    }
done:
    ry_calendar_destroy(&cal);
    return rc;
}
