/* notify_notices: notices kept once, rendered when read. */
#include "notify_notices.h"

#include "notify_events.h"
#include "ry_error.h"
#include "ry_pb.h"
#include "rongyu_services.pb-c.h"

#include <stdlib.h>
#include <string.h>

int
notify_notices_put(ry_txn_t *txn, const notify_notice_t *n, uint64_t *number)
{
    ry_val_t k, v;
    int rc = ry_txn_last(txn, NOTIFY_NOTICE_TABLES, NULL, 0, &k, &v);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    *number = rc == 0 && k.len == 8 ? ry_be64_get(k.data) + 1 : 1;
    Rongyu__StoredNotice s = RONGYU__STORED_NOTICE__INIT;
    s.notice_id = (char *)n->notice_id;
    s.kind = (char *)n->kind;
    s.campaign_id = (char *)(n->campaign_id ? n->campaign_id : "");
    s.campaign_name = (char *)(n->campaign_name ? n->campaign_name : "");
    s.deadline = (char *)(n->deadline ? n->deadline : "");
    s.workdays_before = (uint32_t)n->workdays_before;
    s.at_ms = n->at_ms;
    s.case_id = (char *)notify_notice_case(n);
    s.submit_by = (char *)(n->submit_by ? n->submit_by : "");
    s.posting_workdays = (uint32_t)n->posting_workdays;
    s.missing_year = (uint32_t)n->missing_year;
    if (n->ev && n->event_key) {
        s.event_key.data = (uint8_t *)n->event_key;
        s.event_key.len = n->event_key_len;
        s.event_no_checks = n->event_no_checks;
    } else {
        s.event = (Rongyu__CaseEvent *)n->ev;
    }
    size_t len;
    uint8_t *buf = ry_pb_pack(&s.base, &len);
    uint8_t key[8];
    ry_be64_put(key, *number);
    rc = ry_txn_put(txn, NOTIFY_NOTICE_TABLES, key, 8, buf, len, RY_PUT_APPEND);
    free(buf);
    return rc;
}

/* The stored event under key, or NULL (a notice whose event is gone goes
 * without it, as a timer does: notify_events_attach). */
static Rongyu__CaseEvent *
s_event(ry_txn_t *txn, const ProtobufCBinaryData *key, bool no_checks, int *rc)
{
    ry_val_t v;
    *rc = ry_txn_get(txn, NOTIFY_EVENT_TABLES, key->data, key->len, &v);
    if (*rc) {
        *rc = *rc == RY_ENOTFOUND ? 0 : *rc;
        return NULL;
    }
    Rongyu__CaseEvent *ev = (Rongyu__CaseEvent *)ry_pb_unpack(
        &rongyu__case_event__descriptor, v.data, v.len, 0);
    if (ev && no_checks) {
        /* The checks stay in the event's arena, freed with it. */
        ev->failed = NULL;
        ev->n_failed = 0;
    }
    return ev;
}

int
notify_notices_render(ry_txn_t *txn, uint64_t number, uint64_t delivery_id,
                      const char *org, bool json, notify_rendered_t *out)
{
    *out = (notify_rendered_t){NULL, NULL, NULL};
    uint8_t key[8];
    ry_be64_put(key, number);
    ry_val_t v;
    int rc = ry_txn_get(txn, NOTIFY_NOTICE_TABLES, key, 8, &v);
    if (rc)
        return rc;
    Rongyu__StoredNotice *s = (Rongyu__StoredNotice *)ry_pb_unpack(
        &rongyu__stored_notice__descriptor, v.data, v.len, 0);
    if (!s)
        return RY_EMALFORMED;
    Rongyu__CaseEvent *ev =
        s->event_key.len ? s_event(txn, &s->event_key, s->event_no_checks, &rc)
                         : NULL;
    if (!rc) {
        notify_notice_t n = {
            .notice_id = s->notice_id,
            .kind = s->kind,
            .campaign_id = s->campaign_id,
            .campaign_name = *s->campaign_name ? s->campaign_name : NULL,
            .deadline = s->deadline,
            .workdays_before = (int)s->workdays_before,
            .at_ms = s->at_ms,
            .ev = ev ? ev : s->event,
            .case_id = s->case_id,
            .submit_by = s->submit_by,
            .posting_workdays = (int)s->posting_workdays,
            .missing_year = (int)s->missing_year,
        };
        notify_text_render(&n, &out->title, &out->text);
        if (json)
            notify_text_json(&n, out->title, out->text, delivery_id, org,
                             &out->json);
    }
    ry_pb_free(&ev);
    ry_pb_free(&s);
    return rc;
}

void
notify_rendered_clear(notify_rendered_t *r)
{
    free(r->title);
    free(r->text);
    free(r->json);
    *r = (notify_rendered_t){NULL, NULL, NULL};
}
