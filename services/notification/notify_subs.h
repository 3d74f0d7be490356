/* notify_subs: who is told what, and how: the subscribers, read from a
 * JSON file and reloaded when it changes. */
#ifndef NOTIFY_SUBS_H
#define NOTIFY_SUBS_H

#include "ry_text.h"

#include <stdbool.h>
#include <stddef.h>

/* One subscriber: an organisation and the channels it asked for. */
typedef struct {
    char org[RY_ORG_ID_MAX + 1]; /* organisation id; an organising unit's is its
                          Annex 1 name (e.g. 萧山区), as in cases */
    char role[16];     /* grassroots | unit | city */
    char name[128];    /* display name, may be "" */
    bool pub;          /* the PUB feed, topic "<org>|" */
    char url[512];     /* webhook URL, "" = none */
    char secret[256];  /* webhook HMAC key */
    char email[256];   /* e-mail address, "" = none */
} notify_sub_t;

typedef struct notify_subs notify_subs_t;

/* Parses a subscribers document:
 *   {"subscribers": [{"org": "萧山区", "role": "unit", "name": "...",
 *     "pub": true, "webhook": {"url": "http://...", "secret": "..."},
 *     "email": "a@b.c"}, ...]}
 * Unknown keys are refused. Returns 0 and sets *out (malloc'd array, the
 * caller's to free) and *n; RY_EMALFORMED (not JSON) or RY_ECONFIG (bad
 * field) with the reason in err. */
int notify_subs_parse(const char *json, size_t len, notify_sub_t **out,
                      size_t *n, char *err, size_t errlen);

/* Creates the set from file 'path' (a missing file is an empty set).
 * Returns 0 and sets *out, or the error of notify_subs_parse (then *out
 * is still made, empty, and the error logged). */
int notify_subs_new(const char *path, notify_subs_t **out);
void notify_subs_destroy(notify_subs_t **self_p);

/* Reloads the file when its modification time or size changed. A bad
 * file is logged and the previous set kept. Returns 1 when reloaded, 0
 * when unchanged, or a negative error (set kept). */
int notify_subs_reload(notify_subs_t *self);

size_t notify_subs_count(const notify_subs_t *self);
/* Subscriber i (borrowed until the next reload). */
const notify_sub_t *notify_subs_at(const notify_subs_t *self, size_t i);

/* True when organisation 'org' may have a feed: its topic is "<org>|",
 * and a SUB socket takes every topic its subscription begins, so an id
 * holding '|' ("A|B", topic "A|B|") would reach the subscribers of
 * another ("A|"). */
bool notify_sub_feed_ok(const char *org);

/* True when 'target' names s: its org, or "@all", or "@<role>". */
bool notify_sub_matches(const notify_sub_t *s, const char *target);

#endif
