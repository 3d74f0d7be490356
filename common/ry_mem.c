/* ry_mem: free pages given back. See ry_mem.h. */
#include "ry_mem.h"

#include "ry_log.h"

#ifdef RY_TCMALLOC_LINKED
#include <gperftools/malloc_extension_c.h>
#endif

uint64_t
ry_mem_trim(int64_t now_ms)
{
    static int64_t last;
    if (last && now_ms - last < RY_MEM_TRIM_MS)
        return 0;
    last = now_ms;
#ifdef RY_TCMALLOC_LINKED
    size_t held = 0;
    if (!MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes",
                                            &held) ||
        held < RY_MEM_TRIM_BYTES)
        return 0;
    MallocExtension_ReleaseFreeMemory();
    ry_info(NULL, "%zu MiB of free memory given back to the system",
            held >> 20);
    return held;
#else
    return 0;
#endif
}
