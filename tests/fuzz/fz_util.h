/* fz_util: helpers of the fuzz targets (header only): a private temporary
 * directory per process and writing an input to a file there, for the
 * decoders that read files. */
#ifndef FZ_UTIL_H
#define FZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A directory made once per process under $TMPDIR (kept: the fuzzer
 * exits hard; tests/fuzz/run.sh gives each target a TMPDIR it removes). */
static inline const char *
fz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ry-fuzz-XXXXXX",
                 base && *base ? base : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

/* Writes data to <fz_dir>/name and returns the path (static). */
static inline const char *
fz_file(const char *name, const uint8_t *data, size_t len)
{
    static char path[400];
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
    return path;
}

#endif
