/* ffnn — whole-file reads and atomic writes (see file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ffnn/file.h"

ffnn_status ffnn_file_read(const char *path, char **data, size_t *len, ffnn_error *err)
{
    return ffnn_file_read_max(path, SIZE_MAX - 1, data, len, err);
}

ffnn_status ffnn_file_read_max(const char *path, size_t max, char **data, size_t *len,
                               ffnn_error *err)
{
    return ffnn_file_read_until(path, max, NULL, data, len, err);
}

ffnn_status ffnn_file_read_until(const char *path, size_t max, ffnn_file_want want, char **data,
                                 size_t *len, ffnn_error *err)
{
    *data = NULL;
    if (len)
        *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp && errno == ENOMEM)
        return ffnn_error_nomem(err);
    if (!fp)
        return ffnn_error_set(err, FFNN_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(fp);
        return ffnn_error_set(err, FFNN_ENOINPUT, "%s: cannot open: %s", path, strerror(EISDIR));
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t target = want && buf ? want((const unsigned char *)buf, 0) : SIZE_MAX;
    while (buf && n < target) {
        if (cap - n < 2) {
            size_t ncap = cap <= SIZE_MAX / 2 ? cap * 2 : 0;
            if (ncap && target < SIZE_MAX - 2 && target + 2 > ncap)
                ncap = target + 2;   /* a length the data announced: one step */
            char *nb = ncap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t ask = cap - n - 1;
        if (ask > max + 1 - n)
            ask = max + 1 - n;
        if (ask > target - n)
            ask = target - n;
        size_t r = fread(buf + n, 1, ask, fp);
        n += r;
        if (r == 0 || n > max)
            break;
        if (want && n >= target)
            target = want((const unsigned char *)buf, n);
    }
    ffnn_status st = FFNN_OK;
    if (!buf)
        st = ffnn_error_nomem(err);
    else if (n > max)
        st = ffnn_error_set(err, FFNN_EDATA, "%s: larger than %zu bytes", path, max);
    else if (ferror(fp))
        st = ffnn_error_set(err, FFNN_EIO, "%s: read error: %s", path, strerror(errno));
    fclose(fp);
    if (st) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return FFNN_OK;
}

/* umask(2) would change the mask and race with other threads; Linux reports
 * it in /proc/self/status ("Umask:" is in its first lines; read with
 * read(2), so no memory is needed).  022 when that cannot be read. */
unsigned ffnn_file_umask(void)
{
    unsigned mask = 022;
    char buf[1024];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mask;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return mask;
    buf[n] = '\0';
    for (const char *line = buf; line;) {
        if (strncmp(line, "Umask:", 6) == 0) {
            mask = (unsigned)strtoul(line + 6, NULL, 8) & 0777;
            break;
        }
        if ((line = strchr(line, '\n')))
            line++;
    }
    return mask;
}

/* The staged name beside path: "<dir>/.<name>.XXXXXX" in buf (size at
 * least strlen(path) + 9).  A name too long for that (a file name holds at
 * most NAME_MAX bytes) is cut, at a UTF-8 character boundary, so that any
 * output name that the file system accepts can be staged. */
static void staged_name(char *buf, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dlen;
    size_t blen = strlen(base), max = NAME_MAX - 8;
    if (blen > max) {
        blen = max;
        while (blen > 0 && ((unsigned char)base[blen] & 0xC0) == 0x80)
            blen--;
    }
    memcpy(buf, path, dlen);
    buf[dlen] = '.';
    memcpy(buf + dlen + 1, base, blen);
    memcpy(buf + dlen + 1 + blen, ".XXXXXX", 8);
}

/* An unnamed file (O_TMPFILE) in path's directory, its descriptor, or -1
 * with errno.  ENOTSUP: this file system (or kernel) has none, or it could
 * not be linked in later (no /proc/self/fd); the caller then stages a named
 * file instead.  An unnamed file leaves nothing behind when the process is
 * killed before the commit. */
static int open_unnamed(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    char dir[PATH_MAX];
    if (dlen >= sizeof dir) {
        errno = ENOTSUP;
        return -1;
    }
    if (dlen) {
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';
    } else {
        strcpy(dir, ".");
    }
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        /* Kernels and file systems without O_TMPFILE say so in several ways. */
        if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
            errno = ENOTSUP;
        return -1;
    }
    char proc[40];
    struct stat sb;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (stat(proc, &sb) != 0) {
        close(fd);
        errno = ENOTSUP;
        return -1;
    }
    return fd;
#else
    errno = ENOTSUP;
    return -1;
#endif
}

ffnn_status ffnn_atomic_open(ffnn_atomic_file *f, const char *path, int mode, bool durable,
                             ffnn_error *err)
{
    memset(f, 0, sizeof *f);
    f->durable = durable;
    size_t plen = strlen(path);
    f->path = strdup(path);
    if (!f->path) {
        ffnn_atomic_abort(f);
        return ffnn_error_nomem(err);
    }
    /* A directory fails now, not after the work.  A device or FIFO
     * (/dev/null, /dev/full, a pipe) is written in place: renaming a file
     * over it would replace the device itself (as root) or fail.  stat
     * follows a symbolic link to see this; a link to a regular file is
     * itself replaced by the commit, its target left as it was. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        int e = S_ISDIR(sb.st_mode) ? EISDIR : 0;
        if (!e && !(f->fp = fopen(path, "w")))
            e = errno;
        if (e) {
            ffnn_atomic_abort(f);
            return ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot create: %s", path, strerror(e));
        }
        f->durable = false;
        return FFNN_OK;
    }
    /* The staged name: the named file's, or (unnamed) the name the file is
     * linked at for the moment before the rename.  Made now, so that the
     * commit needs no memory. */
    f->tmp = malloc(plen + 9);
    if (!f->tmp) {
        ffnn_atomic_abort(f);
        return ffnn_error_nomem(err);
    }
    staged_name(f->tmp, path);
    int fd = open_unnamed(path);
    if (fd >= 0) {
        f->unnamed = true;
    } else if (errno == ENOTSUP) {
        /* ".<name>.XXXXXX" beside the target, so rename(2) stays in one file system. */
        fd = mkstemp(f->tmp);
    }
    if (fd < 0) {
        int e = errno;
        free(f->tmp);
        f->tmp = NULL;
        ffnn_atomic_abort(f);
        return ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot create: %s", path, strerror(e));
    }
    /* The file is 0600: give it the mode asked for, or that of the file
     * being replaced, or what an ordinary create would. */
    mode_t m = mode >= 0 ? (mode_t)mode
               : stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_mode & 07777
                                                             : (mode_t)(0666 & ~ffnn_file_umask());
    if (fchmod(fd, m) != 0 || !(f->fp = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        ffnn_atomic_abort(f);
        if (e == ENOMEM)
            return ffnn_error_nomem(err);
        return ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot create: %s", path, strerror(e));
    }
    return FFNN_OK;
}

void ffnn_atomic_abort(ffnn_atomic_file *f)
{
    if (f->fp)
        fclose(f->fp);
    if (f->tmp && !f->unnamed)
        unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* Links the unnamed file fd at f->tmp, its XXXXXX replaced by random
 * characters (another name on a collision).  0, or -1 with errno. */
static int link_unnamed(ffnn_atomic_file *f, int fd)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char proc[40], *x = f->tmp + strlen(f->tmp) - 6;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
            uint64_t v = (uint64_t)getpid() * 2654435761u ^ (uint64_t)(uintptr_t)f ^
                         (uint64_t)attempt * 0x9E3779B97F4A7C15u;
            for (int i = 0; i < 6; i++, v >>= 8)
                r[i] = (unsigned char)v;
        }
        for (int i = 0; i < 6; i++)
            x[i] = chars[r[i] % (sizeof chars - 1)];
        if (linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

ffnn_status ffnn_atomic_commit(ffnn_atomic_file *f, ffnn_error *err)
{
    const char *what = NULL;
    int e = 0;
    errno = 0;
    if (fflush(f->fp) != 0 || ferror(f->fp) || (f->durable && fsync(fileno(f->fp)) != 0)) {
        what = "write error";
        e = errno ? errno : EIO;
    }
    /* An unnamed file gets its staged name now, while the descriptor is
     * open; it is renamed into place at once. */
    if (!what && f->unnamed) {
        if (link_unnamed(f, fileno(f->fp)) != 0) {
            what = "cannot create";
            e = errno;
        } else {
            f->unnamed = false;
        }
    }
    if (fclose(f->fp) != 0 && !what) {
        what = "write error";
        e = errno;
    }
    f->fp = NULL;
    if (!what && f->tmp && rename(f->tmp, f->path) != 0) {
        what = "cannot create";
        e = errno;
    }
    if (what) {
        ffnn_status st = ffnn_error_set(err, strcmp(what, "write error") == 0 ? FFNN_EIO : FFNN_ECANTCREAT,
                                        "%s: %s: %s", f->path, what, strerror(e));
        ffnn_atomic_abort(f);
        return st;
    }
    if (f->durable) {
        /* Make the rename durable; failure here loses nothing already written.
         * The directory's name goes in a local buffer, so this needs no memory. */
        const char *slash = strrchr(f->path, '/');
        size_t dlen = slash ? (size_t)(slash - f->path) + 1 : 0;
        char dir[PATH_MAX] = ".";
        if (dlen < sizeof dir) {
            if (dlen) {
                memcpy(dir, f->path, dlen);
                dir[dlen] = '\0';
            }
            int dfd = open(dir, O_RDONLY | O_DIRECTORY);
            if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
            }
        }
    }
    free(f->tmp);
    f->tmp = NULL;
    ffnn_atomic_abort(f);
    return FFNN_OK;
}

ffnn_status ffnn_file_write_atomic(const char *path, const void *data, size_t len, int mode,
                                   bool durable, ffnn_error *err)
{
    ffnn_atomic_file f;
    ffnn_status st = ffnn_atomic_open(&f, path, mode, durable, err);
    if (st)
        return st;
    if (len && fwrite(data, 1, len, f.fp) != len) {
        int e = errno ? errno : EIO;
        ffnn_atomic_abort(&f);
        return ffnn_error_set(err, FFNN_EIO, "%s: write error: %s", path, strerror(e));
    }
    return ffnn_atomic_commit(&f, err);
}
