/* intake_reply: what a request handler of intake produces (an error code
 * and detail, or a body) and its packing into a rongyu.Reply with the
 * fixed texts of each error code. Private to services/intake. */
#ifndef INTAKE_REPLY_H
#define INTAKE_REPLY_H

#include "intake_internal.h"
#include "intake_orgs.h"
#include "intake_outcome.h"
#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct intake_reply intake_reply_t;

/* Start one as {.out.code = RONGYU__ERROR_CODE__OK}; the handlers fill it
 * (the case store fills 'out') and intake_reply_pack turns it into bytes.
 * At most one body is packed, and only when out.code is OK: out.kase (with
 * audit), else cases, else status; then orgs, else quota, else
 * deadlines; 'packed', when set, is the answer instead. */
struct intake_reply {
    intake_outcome_t out; /* the code, detail, field, retry, and the case */
    bool wait;        /* kase goes in a WaitReply */
    bool brief;       /* kase goes without application and verdict, and
                         with no audit or posting (WaitRequest.brief,
                         SubmitRequest.brief) */
    bool timed_out;   /* WaitReply.timed_out */
    bool wait_many;   /* a wait on several cases (WaitRequest.case_ids):
                         wcases go in WaitReply.cases */
    Rongyu__CaseReply **wcases; /* owned: each, its case (ry_pb) and
                                   audit entries (ry_pb each) */
    size_t nwcases;
    Rongyu__AuditEntry **audit;  /* owned (ry_pb each) */
    size_t naudit;
    Rongyu__Case **cases;        /* owned (ry_pb each) */
    size_t ncases;
    char next_after[INTAKE_ID_LEN + 1];
    bool status;
    Rongyu__StatusReply st;
    Rongyu__LinkStatus links[16];
    Rongyu__LinkStatus *linkp[16];
    char link_names[16][64];
    Rongyu__StoreStats stores[16]; /* intake's store, then the peers' */
    Rongyu__StoreStats *storep[16];
    char store_names[16][64];
    uint8_t *cached;             /* a stored first answer, used as is */
    size_t cached_len;
    /* The whole answer, packed with the request's id (a brief wait's,
     * from rows read in place): sent as it is. */
    uint8_t *packed;
    size_t packed_len;
    bool orgs;                   /* an OrgReply */
    Rongyu__Organisation **org_list; /* owned (ry_pb each) */
    size_t norgs;
    intake_import_counts_t counts;
    bool quota;                  /* a QuotaReply */
    Rongyu__QuotaRow *qrows;     /* one block; strings borrowed */
    Rongyu__QuotaRow **qrowp;
    size_t nq;
    const char *qcampaign;       /* borrowed from the registry */
    struct intake_posting_status *posting; /* owned: with kase (a draft) */
    bool postings;               /* a PostingsReply */
    Rongyu__PostingRow *prows;   /* one block; strings borrowed from pcases */
    Rongyu__PostingRow **prowp;
    struct intake_posting_status *pstat; /* one per row */
    Rongyu__Case **pcases;       /* owned (ry_pb each) */
    size_t nprows;
    bool deadlines;              /* a DeadlinesReply */
    Rongyu__DeadlineExtension **extensions; /* owned (ry_pb each) */
    size_t nextensions;
    char summary_deadline[16];
    const char *dcampaign; /* borrowed from the registry */
    bool keyr;                   /* a KeyReply */
    Rongyu__KeyRecord **keys;    /* owned (ry_pb each) */
    size_t nkeys;
    Rongyu__DeadReply *dead;     /* owned (ry_pb): a DeadReply */
    bool uploaded;               /* an UploadReply */
    Rongyu__UploadReply upload;  /* sha256 in upload_sha */
    char upload_sha[65];
};

/* Sets r->out's code and its detail (intake_outcome_fail). Always
 * returns -1, so a handler can return its result. */
int intake_reply_fail(intake_reply_t *r, Rongyu__ErrorCode code,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As intake_reply_fail, naming the offending field: 'field' is a path
 * relative to the request's body ("case_id", "application.honour"). An
 * E_MISSING_FIELD whose detail is a bare path names it without this. */
int intake_reply_fail_at(intake_reply_t *r, Rongyu__ErrorCode code,
                         const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* E_NOT_FOUND at the body's organising_unit: 'unit' is not an organising
 * unit of campaign campaign_id's Annex 1. Returns -1. */
/* E_NOT_FOUND at the body's campaign_id: there is no campaign 'id'.
 * Returns -1. */
int intake_reply_no_campaign(intake_reply_t *r, const char *id);

int intake_reply_no_unit(intake_reply_t *r, const char *campaign_id,
                         const char *unit);

/* Frees what r owns (the case, audit entries, cases, a wait's cases,
 * cached or packed answer, organisations and quota rows); r itself stays the
 * caller's. */
void intake_reply_release(intake_reply_t *r);

/* Packs r as a Reply answering request_id (NULL: ""); 'body' is the name
 * of the request's body field ("submit"), the prefix of a relative
 * field_path (NULL: none). Returns the bytes,
 * *len of them, which are the caller's to free(); r keeps what it owns. */
uint8_t *intake_reply_pack(intake_reply_t *r, const char *request_id,
                           size_t *len);
uint8_t *intake_reply_pack_in(intake_reply_t *r, const char *request_id,
                              const char *body, size_t *len);

/* The bytes intake_reply_pack_in makes of a brief wait's answer (code OK,
 * wait and brief set, timed_out), from the cases' heads without
 * application and verdict already packed (kase[i], klen[i]:
 * intake_cases_brief_bytes): n = 1 in WaitReply.case (field 1, a wait
 * on case_id), or n >= 0 in WaitReply.cases (field 3, wait_many). The
 * caller frees them. */
uint8_t *intake_reply_pack_brief_wait(const char *request_id, bool many,
                                      const uint8_t *const *kase,
                                      const size_t *klen, size_t n,
                                      bool timed_out, size_t *len);

#endif
