/* notify_subs: the subscribers file, reloaded when it changes. */
#include "notify_subs.h"

#include "ry_error.h"
#include "ry_log.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct notify_subs {
    char path[600];
    notify_sub_t *subs;
    size_t n;
    struct timespec mtime;
    off_t size;
    bool seen; /* a file (or its absence) has been read */
    bool present;
};

static int
s_copy(char *dst, size_t cap, json_t *v, const char *what, size_t i,
       char *err, size_t errlen)
{
    if (!json_is_string(v) || json_string_length(v) >= cap) {
        snprintf(err, errlen, "subscribers[%zu].%s: a string of at most "
                              "%zu bytes is needed", i, what, cap - 1);
        return RY_ECONFIG;
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int
s_parse_one(json_t *o, size_t i, notify_sub_t *s, char *err, size_t errlen)
{
    if (!json_is_object(o)) {
        snprintf(err, errlen, "subscribers[%zu]: an object is needed", i);
        return RY_ECONFIG;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->role, sizeof s->role, "grassroots");
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(o, k, v) {
        if (rc)
            break;
        if (strcmp(k, "org") == 0)
            rc = s_copy(s->org, sizeof s->org, v, k, i, err, errlen);
        else if (strcmp(k, "role") == 0) {
            rc = s_copy(s->role, sizeof s->role, v, k, i, err, errlen);
            if (!rc && strcmp(s->role, "grassroots") &&
                strcmp(s->role, "unit") && strcmp(s->role, "city")) {
                snprintf(err, errlen, "subscribers[%zu].role: '%s' is not "
                                      "grassroots, unit or city", i, s->role);
                rc = RY_ECONFIG;
            }
        } else if (strcmp(k, "name") == 0)
            rc = s_copy(s->name, sizeof s->name, v, k, i, err, errlen);
        else if (strcmp(k, "email") == 0)
            rc = s_copy(s->email, sizeof s->email, v, k, i, err, errlen);
        else if (strcmp(k, "pub") == 0) {
            if (!json_is_boolean(v)) {
                snprintf(err, errlen, "subscribers[%zu].pub: true or false",
                         i);
                rc = RY_ECONFIG;
            }
            s->pub = json_is_true(v);
        } else if (strcmp(k, "webhook") == 0) {
            json_t *url = json_object_get(v, "url");
            json_t *sec = json_object_get(v, "secret");
            if (!json_is_object(v) || json_object_size(v) != 2 || !url ||
                !sec) {
                snprintf(err, errlen, "subscribers[%zu].webhook: "
                                      "{\"url\": ..., \"secret\": ...} is "
                                      "needed", i);
                rc = RY_ECONFIG;
            } else {
                rc = s_copy(s->url, sizeof s->url, url, "webhook.url", i,
                            err, errlen);
                if (!rc)
                    rc = s_copy(s->secret, sizeof s->secret, sec,
                                "webhook.secret", i, err, errlen);
                if (!rc && strncmp(s->url, "http://", 7) &&
                    strncmp(s->url, "https://", 8)) {
                    snprintf(err, errlen, "subscribers[%zu].webhook.url: "
                                          "http:// or https:// is needed", i);
                    rc = RY_ECONFIG;
                }
            }
        } else if (strcmp(k, "_comment") != 0) {
            snprintf(err, errlen, "subscribers[%zu]: unknown key '%s'", i, k);
            rc = RY_ECONFIG;
        }
    }
    if (!rc && !s->org[0]) {
        snprintf(err, errlen, "subscribers[%zu].org is missing", i);
        rc = RY_ECONFIG;
    }
    if (!rc && s->pub && !notify_sub_feed_ok(s->org)) {
        snprintf(err, errlen,
                 "subscribers[%zu].pub: org '%s' holds '|', which ends a "
                 "feed's topic: it would reach the subscribers of another "
                 "organisation's; use a webhook or e-mail",
                 i, s->org);
        rc = RY_ECONFIG;
    }
    if (!rc && s->email[0] &&
        (!strchr(s->email, '@') || strpbrk(s->email, "<>\r\n \t"))) {
        snprintf(err, errlen, "subscribers[%zu].email: '%s' is not an "
                              "address", i, s->email);
        rc = RY_ECONFIG;
    }
    return rc;
}

int
notify_subs_parse(const char *json, size_t len, notify_sub_t **out,
                  size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "line %d column %d: %s", je.line, je.column,
                 je.text);
        return RY_EMALFORMED;
    }
    json_t *arr = json_object_get(root, "subscribers");
    int rc = 0;
    if (!json_is_object(root) || !json_is_array(arr)) {
        snprintf(err, errlen, "{\"subscribers\": [...]} is needed");
        rc = RY_ECONFIG;
    }
    const char *k;
    json_t *v;
    if (!rc)
        json_object_foreach(root, k, v) {
            if (strcmp(k, "subscribers") && strcmp(k, "_comment")) {
                snprintf(err, errlen, "unknown key '%s'", k);
                rc = RY_ECONFIG;
                break;
            }
        }
    notify_sub_t *subs = NULL;
    size_t cnt = rc ? 0 : json_array_size(arr);
    if (cnt) {
        subs = calloc(cnt, sizeof *subs);
        if (!subs)
            abort();
    }
    for (size_t i = 0; !rc && i < cnt; i++)
        rc = s_parse_one(json_array_get(arr, i), i, &subs[i], err, errlen);
    json_decref(root);
    if (rc) {
        free(subs);
        return rc;
    }
    *out = subs;
    *n = cnt;
    return 0;
}

static int
s_load(notify_subs_t *self, const struct stat *st)
{
    FILE *f = fopen(self->path, "rb");
    if (!f) {
        ry_error(NULL, "cannot open subscribers '%s': %s", self->path,
                 strerror(errno));
        return RY_EIO;
    }
    size_t cap = (size_t)st->st_size + 1, len;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    len = fread(buf, 1, cap - 1, f);
    fclose(f);
    notify_sub_t *subs;
    size_t n;
    char err[512];
    int rc = notify_subs_parse(buf, len, &subs, &n, err, sizeof err);
    free(buf);
    if (rc) {
        ry_error(NULL, "subscribers '%s' refused (previous set kept): %s",
                 self->path, err);
        return rc;
    }
    free(self->subs);
    self->subs = subs;
    self->n = n;
    ry_info(NULL, "subscribers '%s': %zu loaded", self->path, n);
    return 0;
}

int
notify_subs_reload(notify_subs_t *self)
{
    struct stat st;
    if (stat(self->path, &st) != 0) {
        if (self->seen && !self->present)
            return 0;
        self->seen = true;
        self->present = false;
        if (self->n)
            ry_warn(NULL, "subscribers '%s' gone: no subscribers",
                    self->path);
        free(self->subs);
        self->subs = NULL;
        self->n = 0;
        return 1;
    }
    if (self->seen && self->present &&
        st.st_mtim.tv_sec == self->mtime.tv_sec &&
        st.st_mtim.tv_nsec == self->mtime.tv_nsec &&
        st.st_size == self->size)
        return 0;
    /* Remember the version tried, good or bad, so a bad file is reported
     * once and not on every round. */
    self->seen = true;
    self->present = true;
    self->mtime = st.st_mtim;
    self->size = st.st_size;
    int rc = s_load(self, &st);
    return rc ? rc : 1;
}

int
notify_subs_new(const char *path, notify_subs_t **out)
{
    notify_subs_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    snprintf(self->path, sizeof self->path, "%s", path);
    *out = self;
    int rc = notify_subs_reload(self);
    return rc < 0 ? rc : 0;
}

void
notify_subs_destroy(notify_subs_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->subs);
    free(*self_p);
    *self_p = NULL;
}

size_t
notify_subs_count(const notify_subs_t *self)
{
    return self->n;
}

const notify_sub_t *
notify_subs_at(const notify_subs_t *self, size_t i)
{
    return i < self->n ? &self->subs[i] : NULL;
}

bool
notify_sub_feed_ok(const char *org)
{
    return strchr(org, '|') == NULL;
}

bool
notify_sub_matches(const notify_sub_t *s, const char *target)
{
    if (strcmp(target, "@all") == 0)
        return true;
    if (target[0] == '@')
        return strcmp(target + 1, s->role) == 0;
    return strcmp(target, s->org) == 0;
}
