/* ffnn — whole-file reads and atomic writes, shared by every module that
 * loads or saves a file. */
#ifndef FFNN_FILE_H
#define FFNN_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include "ffnn/error.h"

/* Reads the whole file at path into *data (malloc'd, with a NUL after the
 * last byte, which *len does not count; len may be NULL).  Errors:
 * FFNN_ENOINPUT "path: cannot open: <reason>" (missing, unreadable, a
 * directory), FFNN_EIO "path: read error: <reason>", out of memory. */
ffnn_status ffnn_file_read(const char *path, char **data, size_t *len, ffnn_error *err);

/* Writes len bytes to path atomically: a temporary file ".<name>.XXXXXX"
 * beside it, then rename(2), so readers see the old file or the new one,
 * never a part.  The file gets mode (if >= 0), else the mode of the file it
 * replaces, else 0666 & ~umask.  durable: fsync the file before the rename
 * and the directory after it (survives a power cut, not only kill -9).
 * Errors: FFNN_ECANTCREAT "path: cannot create: <reason>", FFNN_EIO
 * "path: write error: <reason>"; the temporary file is removed on failure. */
ffnn_status ffnn_file_write_atomic(const char *path, const void *data, size_t len, int mode,
                                   bool durable, ffnn_error *err);

/* The process's umask, read without changing it (thread-safe). */
unsigned ffnn_file_umask(void);

#endif
