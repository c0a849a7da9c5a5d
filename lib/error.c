/* ffnn — status codes and messages. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "ffnn/error.h"

void ffnn_error_clear(ffnn_error *err)
{
    if (!err)
        return;
    err->status = FFNN_OK;
    err->msg[0] = '\0';
}

ffnn_status ffnn_error_vset(ffnn_error *err, ffnn_status status, const char *fmt, va_list ap)
{
    if (err) {
        err->status = status;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return status;
}

ffnn_status ffnn_error_set(ffnn_error *err, ffnn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ffnn_error_vset(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void ffnn_error_prefix(ffnn_error *err, const char *fmt, ...)
{
    char prefix[FFNN_ERROR_MSG_MAX], old[FFNN_ERROR_MSG_MAX];
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* prefix ": " old, truncated to the buffer. */
    size_t cap = sizeof err->msg - 1, n = 0;
    const char *parts[3] = {prefix, ": ", old};
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(parts[i]);
        if (len > cap - n)
            len = cap - n;
        memcpy(err->msg + n, parts[i], len);
        n += len;
    }
    err->msg[n] = '\0';
}

ffnn_status ffnn_error_nomem(ffnn_error *err)
{
    return ffnn_error_set(err, FFNN_ENOMEM, "out of memory");
}

/* Lock-free, so safe to set from a signal handler and read from any thread. */
static atomic_int stop_signal;

void ffnn_request_stop(int signo)
{
    atomic_store_explicit(&stop_signal, signo, memory_order_relaxed);
}

int ffnn_stop_requested(void)
{
    return atomic_load_explicit(&stop_signal, memory_order_relaxed);
}

ffnn_status ffnn_error_canceled(ffnn_error *err)
{
    return ffnn_error_set(err, FFNN_ECANCELED, "interrupted");
}

const char *ffnn_status_name(ffnn_status status)
{
    switch (status) {
    case FFNN_OK: return "ok";
    case FFNN_EUSAGE: return "usage";
    case FFNN_EDATA: return "data";
    case FFNN_ENOINPUT: return "noinput";
    case FFNN_EINTERNAL: return "internal";
    case FFNN_ENOMEM: return "nomem";
    case FFNN_ECANTCREAT: return "cantcreat";
    case FFNN_EIO: return "io";
    case FFNN_ECANCELED: return "canceled";
    case FFNN_ECONFIG: return "config";
    }
    return "unknown";
}
