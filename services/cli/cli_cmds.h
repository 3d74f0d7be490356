/* cli_cmds: the rongyu commands. Each takes the arguments from its own
 * name on (argv[0] is "submit", "show", ...), prints its help for
 * --help, and returns an exit status (CLI_EXIT_* of cli_util.h). */
#ifndef CLI_CMDS_H
#define CLI_CMDS_H

int cli_cmd_submit(int argc, char **argv); /* cli_submit.c */
int cli_cmd_draft(int argc, char **argv);  /* cli_submit.c */
int cli_cmd_show(int argc, char **argv);   /* cli_show.c */
int cli_cmd_dead(int argc, char **argv);   /* cli_dead.c */
int cli_cmd_list(int argc, char **argv);   /* cli_show.c */
int cli_cmd_status(int argc, char **argv); /* cli_status.c */
int cli_cmd_ping(int argc, char **argv);   /* cli_status.c */
int cli_cmd_calendar(int argc, char **argv); /* cli_calendar.c */
int cli_cmd_notifications(int argc, char **argv); /* cli_notify.c */
int cli_cmd_review(int argc, char **argv);    /* cli_review.c */
int cli_cmd_recommend(int argc, char **argv); /* cli_review.c */
int cli_cmd_decide(int argc, char **argv);    /* cli_review.c */
int cli_cmd_withdraw(int argc, char **argv);  /* cli_review.c */
int cli_cmd_org(int argc, char **argv);       /* cli_org.c */
int cli_cmd_keys(int argc, char **argv);      /* cli_keys.c */
int cli_cmd_quota(int argc, char **argv);     /* cli_quota.c */
int cli_cmd_export(int argc, char **argv);    /* cli_export.c */
int cli_cmd_posting(int argc, char **argv);   /* cli_posting.c */
int cli_cmd_postings(int argc, char **argv);  /* cli_posting.c */
int cli_cmd_deadline(int argc, char **argv);  /* cli_deadline.c */

#endif
