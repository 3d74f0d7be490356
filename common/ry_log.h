/* ry_log: one line per event on stderr: UTC time, level, service, case, what. */
#ifndef RY_LOG_H
#define RY_LOG_H

#include <stddef.h>
#include <stdint.h>

enum { RY_LOG_ERROR = 0, RY_LOG_WARN = 1, RY_LOG_INFO = 2, RY_LOG_DEBUG = 3 };

extern int ry_log_level;

/* Sets the service name printed on every line (borrowed: must outlive
 * logging) and the level from $RONGYU_LOG_LEVEL (error|warn|info|debug). */
void ry_log_init(const char *service);

void ry_log_write(int level, const char *case_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* From ry_log_hold to ry_log_flush, the calling thread's lines are kept in
 * memory (up to 64 KiB; more goes out at once) and written together by
 * ry_log_flush, in one write(2): a service's round writes its lines once,
 * after its commit, instead of once each. Other threads write as before.
 * Lines held when the process is killed are lost (the store keeps what
 * happened: the audit, the dead letters). */
void ry_log_hold(void);
void ry_log_flush(void);

/* While held: ry_log_rewind(m) drops the lines held since m = ry_log_mark()
 * (those of work that was undone and is done again); lines that already
 * went out with a full buffer stay out. */
uint64_t ry_log_mark(void);
void ry_log_rewind(uint64_t mark);

/* While held: appends the lines held so far to *lines (realloc'd, the
 * caller's to free; *n its length), unwritten, as if they had gone out
 * (a mark before stays valid). ry_log_put writes such lines later, in
 * one write(2): a round synced apart writes its lines once its sync is
 * done (ry_channel), so a round voided at the next start leaves none. */
void ry_log_take(char **lines, size_t *n);
void ry_log_put(const char *lines, size_t n);

/* The level is checked before any argument is formatted. */
#define RY_LOG(level, case_id, ...)                                          \
    do {                                                                     \
        if ((level) <= ry_log_level)                                         \
            ry_log_write((level), (case_id), __VA_ARGS__);                   \
    } while (0)
#define ry_error(case_id, ...) RY_LOG(RY_LOG_ERROR, case_id, __VA_ARGS__)
#define ry_warn(case_id, ...) RY_LOG(RY_LOG_WARN, case_id, __VA_ARGS__)
#define ry_info(case_id, ...) RY_LOG(RY_LOG_INFO, case_id, __VA_ARGS__)
#define ry_debug(case_id, ...) RY_LOG(RY_LOG_DEBUG, case_id, __VA_ARGS__)

#endif
