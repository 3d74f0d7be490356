/* ry_error: the project's error codes, in their own negative range. */
#ifndef RY_ERROR_H
#define RY_ERROR_H

/* Functions that can fail return 0 on success and one of these (all
 * negative) on failure. Values below RY_EBASE are ours; a value in
 * (RY_EBASE, 0) is a negated errno. */
#define RY_EBASE (-10000)
enum {
    RY_OK = 0,
    RY_ENOTFOUND = RY_EBASE - 1,  /* no such key / record */
    RY_EFULL = RY_EBASE - 2,      /* the store's map is full */
    RY_EIO = RY_EBASE - 3,        /* the store or a file failed */
    RY_EMALFORMED = RY_EBASE - 4, /* input does not decode */
    RY_EINVAL = RY_EBASE - 5,     /* input decodes but is not acceptable */
    RY_EAGAIN = RY_EBASE - 6,     /* try again later (back-pressure) */
    RY_ECONFIG = RY_EBASE - 7,    /* bad configuration */
    RY_ENET = RY_EBASE - 8,       /* a socket operation failed */
    RY_ETIMEOUT = RY_EBASE - 9,   /* no answer in time */
    RY_EEXIST = RY_EBASE - 10,    /* key already present */
    RY_ENODATA = RY_EBASE - 11,   /* the data needed to answer is absent */
    RY_ETOOBIG = RY_EBASE - 12,   /* input over its size cap */
    RY_EPERM = RY_EBASE - 13,     /* the principal may not do that */
};

/* Returns a static English description of rc (never NULL). */
const char *ry_strerror(int rc);

#endif
