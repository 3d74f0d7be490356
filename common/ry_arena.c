/* ry_arena: allocations carved from blocks, freed together. */
#include "ry_arena.h"

#include <stdlib.h>

struct ry_arena_block {
    struct ry_arena_block *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void
ry_arena_reserve(ry_arena_t *a, size_t cap)
{
    cap = RY_ARENA_ALIGN(cap);
    ry_arena_block_t *b = malloc(sizeof *b + cap);
    if (!b)
        abort();
    b->cap = cap;
    b->next = a->head;
    a->head = b;
    a->next = b->data;
    a->end = b->data + b->cap;
}

void *
ry_arena_alloc_block(ry_arena_t *a, size_t size)
{
    size_t cap = a->head ? 2 * a->head->cap : 4096;
    ry_arena_reserve(a, cap < size ? size : cap);
    void *p = a->next;
    a->next += size;
    return p;
}

void
ry_arena_free(ry_arena_t *a)
{
    while (a->head) {
        ry_arena_block_t *b = a->head;
        a->head = b->next;
        free(b);
    }
    a->next = a->end = NULL;
}
