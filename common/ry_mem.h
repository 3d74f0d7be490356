/* ry_mem: the memory the allocator keeps free, given back to the system
 * once in a while. After a burst (thousands of client connections at
 * once, each with its buffers) tcmalloc keeps the pages it was given
 * back for later use: intake held 250 MB after four bursts of 3,000
 * connections where 43 MB were in use. */
#ifndef RY_MEM_H
#define RY_MEM_H

#include <stdint.h>

/* Past RY_MEM_TRIM_MS since the last look (monotonic ms): when the
 * allocator holds RY_MEM_TRIM_BYTES or more of free pages, gives them
 * back (madvise), and returns how many bytes it held; else 0. Nothing
 * without tcmalloc (the sanitizer builds). Call from a loop when idle. */
#define RY_MEM_TRIM_MS 10000
#define RY_MEM_TRIM_BYTES ((uint64_t)16 << 20)
uint64_t ry_mem_trim(int64_t now_ms);

#endif
