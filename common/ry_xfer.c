/* ry_xfer: non-blocking HTTP and SMTP transfers over libcurl's multi
 * interface. */
#include "ry_xfer.h"

#include "ry_error.h"
#include "ry_log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct s_job {
    CURL *easy;
    uint64_t id;
    struct curl_slist *headers, *rcpt;
    char *data;       /* the POST body or the mail, owned */
    size_t len, off;
    bool smtp;
    bool link_local; /* a connection to a link-local address refused */
    char errbuf[CURL_ERROR_SIZE];
    struct s_job *next, *prev; /* the jobs in flight */
} s_job_t;

struct ry_xfer {
    CURLM *multi;
    unsigned max_active, active;
    long timeout_ms;
    ry_xfer_done_t *done;
    size_t ndone, donecap;
    s_job_t *jobs;
};

static void
s_unlink(ry_xfer_t *self, s_job_t *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        self->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->next = j->prev = NULL;
}

static void
s_job_free(s_job_t *j)
{
    if (!j)
        return;
    if (j->easy)
        curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    curl_slist_free_all(j->rcpt);
    free(j->data);
    free(j);
}

int
ry_xfer_new(unsigned max_active, long timeout_ms, ry_xfer_t **out)
{
    *out = NULL;
    static bool global;
    if (!global) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return RY_EIO;
        global = true;
    }
    ry_xfer_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->multi = curl_multi_init();
    if (!self->multi) {
        free(self);
        return RY_EIO;
    }
    self->max_active = max_active ? max_active : 16;
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    *out = self;
    return 0;
}

void
ry_xfer_destroy(ry_xfer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_xfer_t *self = *self_p;
    while (self->jobs) {
        s_job_t *j = self->jobs;
        s_unlink(self, j);
        curl_multi_remove_handle(self->multi, j->easy);
        s_job_free(j);
    }
    curl_multi_cleanup(self->multi);
    free(self->done);
    free(self);
    *self_p = NULL;
}

static size_t
s_read(char *buf, size_t size, size_t nitems, void *arg)
{
    s_job_t *j = arg;
    size_t room = size * nitems, left = j->len - j->off;
    size_t n = left < room ? left : room;
    memcpy(buf, j->data + j->off, n);
    j->off += n;
    return n;
}

static size_t
s_discard(char *buf, size_t size, size_t nitems, void *arg)
{
    (void)buf;
    (void)arg;
    return size * nitems;
}

/* Link-local: 169.254.0.0/16; fe80::/10, or an IPv4-mapped 169.254. */
static bool
s_v4_link_local(const uint8_t b[4])
{
    return b[0] == 169 && b[1] == 254;
}

static bool
s_v6_link_local(const uint8_t b[16])
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                         0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, v4mapped, sizeof v4mapped) == 0)
        return s_v4_link_local(b + 12);
    return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

bool
ry_xfer_link_local(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return s_v4_link_local(
            (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family == AF_INET6)
        return s_v6_link_local(
            ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return false;
}

bool
ry_xfer_url_link_local(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    bool ll = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        uint8_t b[16];
        size_t n = strlen(host);
        if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
            host[n - 1] = '\0';
            ll = inet_pton(AF_INET6, host + 1, b) == 1 && s_v6_link_local(b);
        } else {
            ll = inet_pton(AF_INET, host, b) == 1 && s_v4_link_local(b);
        }
    }
    curl_free(host);
    curl_url_cleanup(u);
    return ll;
}

/* libcurl's socket for a connection: none to a link-local address,
 * whatever name led there. */
static curl_socket_t
s_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    s_job_t *j = arg;
    if (purpose == CURLSOCKTYPE_IPCXN && ry_xfer_link_local(&a->addr)) {
        j->link_local = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Makes a job with its easy handle and common options. */
static s_job_t *
s_job_new(ry_xfer_t *self, uint64_t id, const char *url, const char *data,
          size_t len)
{
    s_job_t *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->id = id;
    j->data = malloc(len ? len : 1);
    if (!j->data)
        abort();
    memcpy(j->data, data, len);
    j->len = len;
    j->easy = curl_easy_init();
    if (!j->easy) {
        s_job_free(j);
        return NULL;
    }
    CURL *e = j->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)j);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     self->timeout_ms < 5000 ? self->timeout_ms : 5000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt(e, CURLOPT_READDATA, j);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, s_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
    return j;
}

static int
s_start(ry_xfer_t *self, s_job_t *j)
{
    if (curl_multi_add_handle(self->multi, j->easy) != CURLM_OK) {
        s_job_free(j);
        return RY_EIO;
    }
    j->next = self->jobs;
    if (self->jobs)
        self->jobs->prev = j;
    self->jobs = j;
    self->active++;
    return 0;
}

int
ry_xfer_post(ry_xfer_t *self, uint64_t id, const char *url,
             const char *const *headers, const char *body, size_t len)
{
    if (!url || !body)
        return RY_EINVAL;
    if (self->active >= self->max_active)
        return RY_EAGAIN;
    s_job_t *j = s_job_new(self, id, url, body, len);
    if (!j)
        return RY_EIO;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *h = curl_slist_append(j->headers, headers[i]);
        if (!h) {
            s_job_free(j);
            return RY_EIO;
        }
        j->headers = h;
    }
    /* No "Expect: 100-continue" round trip. */
    j->headers = curl_slist_append(j->headers, "Expect:");
    CURL *e = j->easy;
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->data);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
    return s_start(self, j);
}

int
ry_xfer_mail(ry_xfer_t *self, uint64_t id, const char *url,
             const char *from, const char *to, const char *msg, size_t len)
{
    if (!url || !from || !to || !msg)
        return RY_EINVAL;
    if (self->active >= self->max_active)
        return RY_EAGAIN;
    s_job_t *j = s_job_new(self, id, url, msg, len);
    if (!j)
        return RY_EIO;
    j->smtp = true;
    char addr[512];
    snprintf(addr, sizeof addr, "<%s>", to);
    j->rcpt = curl_slist_append(NULL, addr);
    CURL *e = j->easy;
    snprintf(addr, sizeof addr, "<%s>", from);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, addr);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, j->rcpt);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
    return s_start(self, j);
}

static void
s_push_done(ry_xfer_t *self, const ry_xfer_done_t *d)
{
    if (self->ndone == self->donecap) {
        self->donecap = self->donecap ? self->donecap * 2 : 16;
        self->done = realloc(self->done, sizeof *self->done * self->donecap);
        if (!self->done)
            abort();
    }
    self->done[self->ndone++] = *d;
}

int
ry_xfer_run(ry_xfer_t *self, int wait_ms)
{
    int running = 0;
    if (wait_ms > 0 && self->active &&
        curl_multi_poll(self->multi, NULL, 0, wait_ms, NULL) != CURLM_OK)
        return RY_EIO;
    if (curl_multi_perform(self->multi, &running) != CURLM_OK)
        return RY_EIO;
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(self->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        s_job_t *j = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
        ry_xfer_done_t d = {.id = j->id};
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &d.status);
        CURLcode res = m->data.result;
        if (res != CURLE_OK && j->link_local) {
            snprintf(d.error, sizeof d.error,
                     "refused: the address is link-local (169.254.0.0/16 or "
                     "fe80::/10), where a machine's metadata is served");
        } else if (res != CURLE_OK) {
            snprintf(d.error, sizeof d.error, "%.60s%s%.180s",
                     curl_easy_strerror(res), j->errbuf[0] ? ": " : "",
                     j->errbuf);
        } else if (!j->smtp && (d.status < 200 || d.status > 299)) {
            snprintf(d.error, sizeof d.error, "HTTP status %ld", d.status);
        } else {
            d.ok = true;
        }
        curl_multi_remove_handle(self->multi, e);
        s_unlink(self, j);
        s_job_free(j);
        self->active--;
        s_push_done(self, &d);
    }
    return 0;
}

bool
ry_xfer_next_done(ry_xfer_t *self, ry_xfer_done_t *out)
{
    if (!self->ndone)
        return false;
    *out = self->done[0];
    memmove(self->done, self->done + 1,
            sizeof *self->done * (self->ndone - 1));
    self->ndone--;
    return true;
}

unsigned
ry_xfer_active(const ry_xfer_t *self)
{
    return self->active;
}
