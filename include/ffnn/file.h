/* ffnn — whole-file reads and atomic writes, shared by every module that
 * loads or saves a file. */
#ifndef FFNN_FILE_H
#define FFNN_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ffnn/error.h"

/* Reads the whole file at path into *data (malloc'd, with a NUL after the
 * last byte, which *len does not count; len may be NULL).  Errors:
 * FFNN_ENOINPUT "path: cannot open: <reason>" (missing, unreadable, a
 * directory), FFNN_EIO "path: read error: <reason>", out of memory. */
ffnn_status ffnn_file_read(const char *path, char **data, size_t *len, ffnn_error *err);
/* The same, but reading stops after max bytes (max < SIZE_MAX): a longer
 * file is FFNN_EDATA "path: larger than <max> bytes".  For files that are
 * small by nature, so that /dev/zero or an endless pipe ends at once. */
ffnn_status ffnn_file_read_max(const char *path, size_t max, char **data, size_t *len,
                               ffnn_error *err);

/* How many bytes in all a reader wants, given the n read so far (buf):
 * more than n to read on, n or fewer to stop there (its own format says the
 * rest cannot be valid; the caller's parser then gives the message), or
 * SIZE_MAX for everything up to the end. */
typedef size_t (*ffnn_file_want)(const unsigned char *buf, size_t n);

/* ffnn_file_read_max that reads only as far as want asks (want NULL: to the
 * end), so a stream whose length cannot be known in advance (a device, a
 * pipe) stops as soon as its first bytes show it is not what it should be:
 * /dev/zero fails at once instead of filling memory.  Same errors. */
ffnn_status ffnn_file_read_until(const char *path, size_t max, ffnn_file_want want, char **data,
                                 size_t *len, ffnn_error *err);

/* Writes len bytes to path through an ffnn_atomic_file (same modes, same
 * errors). */
ffnn_status ffnn_file_write_atomic(const char *path, const void *data, size_t len, int mode,
                                   bool durable, ffnn_error *err);

/* An output staged beside path and renamed over path only by
 * ffnn_atomic_commit, so readers see the old file or the new one, never a
 * part.  Write to fp.  The staged file is unnamed (O_TMPFILE) where the file
 * system allows, so a process killed before the commit (kill -9, a power
 * cut) leaves nothing; the commit links it at ".<name>.XXXXXX" and renames
 * that over path at once.  Elsewhere it is a named file ".<name>.XXXXXX"
 * from the start.  <name> is cut short when the staged name would be longer
 * than a file name may be. */
typedef struct {
    FILE *fp;
    char *path;
    char *tmp;      /* the staged name (NULL for a device written in place) */
    bool durable;
    bool unnamed;   /* fp is an O_TMPFILE file not yet linked at tmp */
} ffnn_atomic_file;

/* Creates the staged file.  It gets mode (if >= 0), else the mode of the
 * file it replaces, else 0666 & ~umask.  durable: commit fsyncs the file
 * before the rename and the directory after it (survives a power cut, not
 * only kill -9).  An existing path that is not a regular file is no place
 * for a rename: a directory is FFNN_ECANTCREAT "path: cannot create: Is a
 * directory" at once, and a device or FIFO (/dev/null, /dev/full, or a
 * symbolic link to one) is opened and written in place, its write errors
 * reported by commit.  A symbolic link to anything else is replaced by the
 * commit, not followed.
 * FFNN_ECANTCREAT "path: cannot create: <reason>". */
ffnn_status ffnn_atomic_open(ffnn_atomic_file *f, const char *path, int mode, bool durable,
                             ffnn_error *err);
/* Flushes, closes and renames into place.  FFNN_EIO "path: write error:
 * <reason>" or FFNN_ECANTCREAT; on failure the staged file is removed. */
ffnn_status ffnn_atomic_commit(ffnn_atomic_file *f, ffnn_error *err);
/* Closes and removes the staged file; path is left as it was. */
void ffnn_atomic_abort(ffnn_atomic_file *f);

/* The process's umask, read without changing it (thread-safe). */
unsigned ffnn_file_umask(void);

#endif
