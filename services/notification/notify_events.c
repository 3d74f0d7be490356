/* notify_events: the case events kept once, and timers' references to
 * them. */
#include "notify_events.h"

#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <string.h>

size_t
notify_events_key(uint8_t out[NOTIFY_EVENT_KEY_MAX], const char *sender,
                  uint64_t seq)
{
    size_t n = strlen(sender);
    if (n > 64)
        n = 64;
    memcpy(out, sender, n);
    out[n] = '\0';
    ry_be64_put(out + n + 1, seq);
    return n + 9;
}

int
notify_events_put(ry_txn_t *txn, const uint8_t *key, size_t klen,
                  const uint8_t *payload, size_t len)
{
    return ry_txn_put(txn, NOTIFY_EVENT_TABLES, key, klen, payload, len,
                      RY_PUT_APPEND);
}

int
notify_events_attach(ry_txn_t *txn, Rongyu__NotifyTimer *t)
{
    if (t->event || !t->event_key.len)
        return 0;
    ry_val_t v;
    int rc = ry_txn_get(txn, NOTIFY_EVENT_TABLES, t->event_key.data,
                        t->event_key.len, &v);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    Rongyu__CaseEvent *ev =
        rc ? NULL
           : (Rongyu__CaseEvent *)ry_pb_unpack(&rongyu__case_event__descriptor,
                                               v.data, v.len, 0);
    if (!ev) {
        ry_error(*t->case_id ? t->case_id : NULL,
                 "timer %s: its case event is %s; it goes without it",
                 t->timer_id, rc ? "not stored" : "undecodable");
        return 0;
    }
    /* The checks stay in the event's arena, freed with it (ry_pb). */
    ev->failed = NULL;
    ev->n_failed = 0;
    t->event = ev;
    return 0;
}
