/* ffnn — status codes and the error message buffer.
 *
 * Every fallible library function returns an ffnn_status and takes an
 * ffnn_error *err as its last argument (which may be NULL).  The message is
 * written once, where the context is known; callers may prefix it.  Status
 * values are the sysexits(3) codes the programs exit with, so cmd/ can
 * `return err.status` unchanged.
 */
#ifndef FFNN_ERROR_H
#define FFNN_ERROR_H

#include <stdarg.h>

typedef enum {
    FFNN_OK = 0,
    FFNN_EUSAGE = 64,    /* EX_USAGE: bad command-line use */
    FFNN_EDATA = 65,     /* EX_DATAERR: bad CSV, values, shapes, model file */
    FFNN_ENOINPUT = 66,  /* EX_NOINPUT: input file missing or unreadable */
    FFNN_EINTERNAL = 70, /* EX_SOFTWARE: internal error (a bug) */
    FFNN_ENOMEM = 71,    /* EX_OSERR: out of memory, cannot start threads */
    FFNN_ECANTCREAT = 73,/* EX_CANTCREAT: cannot create an output file */
    FFNN_EIO = 74,       /* EX_IOERR: read or write failed */
    FFNN_ECANCELED = 75, /* EX_TEMPFAIL: stopped on request (a signal); the
                            programs exit 128 + the signal number instead */
    FFNN_ECONFIG = 78    /* EX_CONFIG: bad config or hypergrid JSON */
} ffnn_status;

#define FFNN_ERROR_MSG_MAX 512

typedef struct {
    ffnn_status status;
    char msg[FFNN_ERROR_MSG_MAX];
} ffnn_error;

/* Clears err (status FFNN_OK, empty message).  err may be NULL. */
void ffnn_error_clear(ffnn_error *err);

/* Sets status and a printf-style message; returns status so callers can
 * `return ffnn_error_set(err, FFNN_EDATA, "...")`.  err may be NULL. */
ffnn_status ffnn_error_set(ffnn_error *err, ffnn_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ffnn_status ffnn_error_vset(ffnn_error *err, ffnn_status status, const char *fmt, va_list ap);

/* Prepends "<prefix>: " to the current message (printf-style prefix). */
void ffnn_error_prefix(ffnn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Out-of-memory shorthand: sets FFNN_ENOMEM "out of memory". */
ffnn_status ffnn_error_nomem(ffnn_error *err);

/* "ok", "usage", "data", "noinput", "internal", "nomem", "cantcreat", "io",
 * "canceled", "config". */
const char *ffnn_status_name(ffnn_status status);

/* Cooperative stop.  A program's SIGINT/SIGTERM handler calls
 * ffnn_request_stop(signo) (async-signal-safe); long-running library calls
 * (ffnn_fit's batch loop, the tuner, the prediction stream, the explainers)
 * then return FFNN_ECANCELED "interrupted" at their next check, leaving no
 * partial state.  ffnn_stop_requested() is the signal number, or 0;
 * ffnn_request_stop(0) clears it. */
void ffnn_request_stop(int signo);
int ffnn_stop_requested(void);
/* Sets FFNN_ECANCELED "interrupted". */
ffnn_status ffnn_error_canceled(ffnn_error *err);

#endif
