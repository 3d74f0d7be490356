/* ut_campaign: a campaign file of the repository loaded with one text in
 * it replaced by another of the same length (a deadline moved), for the
 * unit tests (header only). */
#ifndef UT_CAMPAIGN_H
#define UT_CAMPAIGN_H

#include "ry_campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Loads RY_SOURCE_DIR/rel with the first 'from' in it replaced by 'to'
 * (as long). Returns the campaign (the caller destroys it), or NULL after
 * printing why. */
static inline ry_campaign_t *
ut_campaign_edited(const char *rel, const char *from, const char *to)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", RY_SOURCE_DIR, rel);
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    static char json[65536];
    size_t n = fread(json, 1, sizeof json - 1, in);
    fclose(in);
    json[n] = '\0';
    char *at = strstr(json, from);
    if (!at || strlen(from) != strlen(to)) {
        fprintf(stderr, "ut_campaign_edited: '%s' not in %s\n", from, rel);
        return NULL;
    }
    memcpy(at, to, strlen(to));
    ry_campaign_t *c = NULL;
    if (ry_campaign_load_buffer(rel, json, n, &c, err, sizeof err) != 0) {
        fprintf(stderr, "ut_campaign_edited: %s\n", err);
        return NULL;
    }
    return c;
}

/* The 2026 test campaign with its summary deadline moved into 2027, a
 * year the calendar has no data for (2027-01-08). */
static inline ry_campaign_t *
ut_campaign_deadline_2027(void)
{
    return ut_campaign_edited("tests/data/campaigns/hangzhou-2026.json",
                              "\"summary_deadline\": \"2026-12-31\"",
                              "\"summary_deadline\": \"2027-01-08\"");
}

#endif
