/* cli_posting: printing where a draft's public posting (公示) stands, for
 * the commands that show a draft ('rongyu show', 'rongyu draft save',
 * 'rongyu posting start'). */
#ifndef CLI_POSTING_H
#define CLI_POSTING_H

#include "rongyu.pb-c.h"

#include <stdio.h>

/* Prints the posting's state, dates, warning and explanation (Chinese and
 * English) to out; nothing when ps is NULL. */
void cli_posting_print_status(const Rongyu__PostingStatus *ps, FILE *out);

#endif
