/* ry_arena: many small allocations carved from a few blocks and freed
 * together (a decoded message in ry_pb, a verdict's scratch in
 * ry_verdict). */
#ifndef RY_ARENA_H
#define RY_ARENA_H

#include <stddef.h>

typedef struct ry_arena_block ry_arena_block_t;

/* An arena: zero-initialise it ({0}); ry_arena_free gives it all back.
 * next and end bound what is left of the current block. */
typedef struct {
    ry_arena_block_t *head;
    unsigned char *next, *end;
} ry_arena_t;

/* Starts a block of cap bytes, for an arena whose needs are known
 * (optional: the first allocation starts one of 4 KiB or more). */
void ry_arena_reserve(ry_arena_t *a, size_t cap);

/* Every allocation's size rounded up to a multiple of 16. */
#define RY_ARENA_ALIGN(n) (((n) + 15) & ~(size_t)15)

/* What ry_arena_alloc does when the current block is full (size
 * aligned). */
void *ry_arena_alloc_block(ry_arena_t *a, size_t size);

/* size bytes, aligned to 16, not zeroed: from the current block, else a
 * new one of at least twice its size. Aborts when memory runs out.
 * Inline: a decoded message or a verdict takes hundreds. */
static inline void *
ry_arena_alloc(ry_arena_t *a, size_t size)
{
    size = RY_ARENA_ALIGN(size);
    if ((size_t)(a->end - a->next) < size)
        return ry_arena_alloc_block(a, size);
    void *p = a->next;
    a->next += size;
    return p;
}

/* Frees every block; the arena is empty and usable again. */
void ry_arena_free(ry_arena_t *a);

#endif
