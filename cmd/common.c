/* ffnn programs — shared helpers (see common.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

const char *progname = "ffnn";
int cmd_verbose = 0;
bool cmd_quiet = false;

const char *cmd_stop_hint = NULL;

static void on_signal(int signo)
{
    ffnn_request_stop(signo);
}

/* SIGINT, SIGTERM and SIGHUP ask the library to stop (it checks between
 * batches); system calls are not restarted, so a blocked read returns.  The
 * handler is one-shot: a second signal has the default effect. */
static void catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old;
        /* A signal ignored by the parent (nohup, `cmd &` in a script) stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

void cmd_init(const char *name)
{
    /* A closed standard descriptor would be reused by the next open, and an
     * output file would receive what was meant for standard output ('>&-').
     * Fill it with /dev/null opened the wrong way round (gnulib's stdopen),
     * so that using it still fails with EBADF. */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
            if (nfd >= 0 && nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
    opterr = 0;
    const char *slash = strrchr(name, '/');
    progname = slash ? slash + 1 : name;
    catch_signals();
}

/* The exit status of a run stopped by signal N is this + N, as a shell
 * reports a process the signal killed. */
#define EXIT_SIGNAL_BASE 128

/* After a stop request every failure is the interruption: 128 + signal. */
static int interrupted(void)
{
    int sig = ffnn_stop_requested();
    const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
    fprintf(stderr, "%s: interrupted by %s%s\n", progname, name, cmd_stop_hint ? cmd_stop_hint : "");
    return EXIT_SIGNAL_BASE + sig;
}

/* Writes "prog: <prefix><message><suffix>" and a newline on stderr, the
 * message's control bytes escaped (\n, \t, \xNN): names from the data (a
 * quoted column name may hold a line break) must not split the one-line
 * message or drive the terminal.  The line is put together first and written
 * with one call on the unbuffered stderr, so that the messages of programs
 * run side by side (xargs -P, make -j) on one stderr stay whole lines
 * instead of interleaving byte by byte. */
static void put_message(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char buf[4096];
    char line[4 * sizeof buf + 512];   /* every byte escaped at most 4-fold, + the rest */
    size_t n = 0;
    vsnprintf(buf, sizeof buf, fmt, ap);
    int w = snprintf(line, 256, "%s: %.200s", progname, prefix);
    n = w > 0 ? (size_t)(w < 256 ? w : 255) : 0;
    for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
        if (*p == '\n') {
            memcpy(line + n, "\\n", 2);
            n += 2;
        } else if (*p == '\t') {
            memcpy(line + n, "\\t", 2);
            n += 2;
        } else if (*p < 0x20 || *p == 0x7F) {
            snprintf(line + n, 5, "\\x%02X", *p);
            n += 4;
        } else {
            line[n++] = (char)*p;
        }
    }
    w = snprintf(line + n, sizeof line - n, "%.200s\n", suffix);
    n += w > 0 ? (size_t)w : 0;
    fwrite(line, 1, n < sizeof line ? n : sizeof line - 1, stderr);
}

static void put_messagef(const char *prefix, const char *suffix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_messagef(const char *prefix, const char *suffix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_message(prefix, fmt, ap, suffix);
    va_end(ap);
}

int cmd_fail(const ffnn_error *err)
{
    if (ffnn_stop_requested())
        return interrupted();
    put_messagef("", "", "%s", err->msg[0] ? err->msg : ffnn_status_name(err->status));
    return err->status ? (int)err->status : FFNN_EINTERNAL;
}

int cmd_failf(int status, const char *fmt, ...)
{
    va_list ap;
    if (ffnn_stop_requested())
        return interrupted();
    va_start(ap, fmt);
    put_message("", fmt, ap, "");
    va_end(ap);
    return status;
}

int cmd_nomem(void)
{
    return cmd_failf(FFNN_ENOMEM, "out of memory");
}

void cmd_warn(const char *fmt, ...)
{
    va_list ap;
    if (cmd_quiet)
        return;
    va_start(ap, fmt);
    put_message("warning: ", fmt, ap, "");
    va_end(ap);
}

void cmd_warn_constant(const ffnn_prep *p, const char *source)
{
    char list[400];
    size_t len = 0;
    int n = 0, shown = 0;
    list[0] = '\0';
    for (int c = 0; c < p->n_columns; c++) {
        if (!p->columns[c].constant)
            continue;
        if (n++ < 4 && len < sizeof list) {
            int w = snprintf(list + len, sizeof list - len, "%s\"%.60s\"", shown ? ", " : "",
                             p->columns[c].name);
            len += w > 0 ? (size_t)w : 0;
            shown++;
        }
    }
    if (n == 0)
        return;
    if (n > shown)
        cmd_warn("%s: columns %s and %d more have the same value in every row; they carry no "
                 "information", source, list, n - shown);
    else if (n > 1)
        cmd_warn("%s: columns %s have the same value in every row; they carry no information",
                 source, list);
    else
        cmd_warn("%s: column %s has the same value in every row; it carries no information",
                 source, list);
}

int cmd_usage_error(const char *fmt, ...)
{
    char suffix[64];
    va_list ap;
    snprintf(suffix, sizeof suffix, "; try '%s --help'", progname);
    va_start(ap, fmt);
    put_message("", fmt, ap, suffix);
    va_end(ap);
    return FFNN_EUSAGE;
}

int cmd_write_error(const char *path)
{
    return cmd_failf(FFNN_EIO, "%s: write error: %s", cmd_output_name(path),
                     strerror(errno ? errno : EIO));
}

const char *cmd_input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

const char *cmd_output_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdout>" : path;
}

long cmd_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

/* For getopt_long's ':' and '?' returns (the optstring starts with ':'). */
static int bad_option(int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    if (c == ':') {
        if (optopt && strncmp(arg, "--", 2) != 0)
            return cmd_usage_error("option '-%c' needs an argument", optopt);
        return cmd_usage_error("option '%s' needs an argument", arg);
    }
    if (optopt)
        return cmd_usage_error("unknown option '-%c'", optopt);
    return cmd_usage_error("unknown option '%s'", arg);
}

int cmd_flush_stdout(void)
{
    int e = errno; /* from the write that failed, if fflush has nothing left to write */
    if (fflush(stdout) != 0)
        e = errno;
    else if (!ferror(stdout))
        return 0;
    return cmd_failf(FFNN_EIO, "<stdout>: write error: %s", strerror(e ? e : EIO));
}

/* Beyond any program's own long options and option characters. */
#define OPT_VERSION 0x10000
#define MAX_OPTIONS 48

int cmd_getopt(int argc, char **argv, const cmd_options *o, int *status)
{
    static const struct option shared[] = {
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
    };
    struct option longopts[MAX_OPTIONS + 5];
    char shortopts[2 * MAX_OPTIONS + 8];
    int n = 0;
    for (; o->longopts[n].name; n++)
        if (n == MAX_OPTIONS) {
            *status = cmd_failf(FFNN_EINTERNAL, "too many options");
            return CMD_OPT_EXIT;
        }
    memcpy(longopts, o->longopts, (size_t)n * sizeof *longopts);
    snprintf(shortopts, sizeof shortopts, ":%s%s%sh", o->shortopts,
             o->common & CMD_VERBOSE ? "v" : "", o->common & CMD_QUIET ? "q" : "");
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        if ((shared[i].val != 'v' || o->common & CMD_VERBOSE) &&
            (shared[i].val != 'q' || o->common & CMD_QUIET))
            longopts[n++] = shared[i];
    memset(&longopts[n], 0, sizeof longopts[n]);
    for (;;) {
        int c = getopt_long(argc, argv, shortopts, longopts, NULL);
        switch (c) {
        case 'v': cmd_verbose++; continue;
        case 'q': cmd_quiet = true; continue;
        case 'h':
            o->usage();
            *status = 0;
            return CMD_OPT_EXIT;
        case OPT_VERSION:
            printf("%s (ffnn) %s\n", progname, FFNN_VERSION);
            *status = 0;
            return CMD_OPT_EXIT;
        case ':':
        case '?':
            *status = bad_option(c, argv);
            return CMD_OPT_EXIT;
        default: return c;
        }
    }
}

void cmd_help_common(unsigned common, int width)
{
    if (common & CMD_VERBOSE)
        printf("  %-*s progress on stderr even when it is not a terminal\n", width, "-v, --verbose");
    if (common & CMD_QUIET)
        printf("  %-*s no warnings\n", width, "-q, --quiet");
    printf("  %-*s show this help and exit\n", width, "-h, --help");
    printf("  %-*s show the version and exit\n", width, "    --version");
}

bool cmd_progress_enabled(void)
{
    return cmd_verbose > 0 || isatty(STDERR_FILENO);
}

bool cmd_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int cmd_parse_threads(const char *s, long *threads)
{
    if (cmd_parse_long(s, 1, FFNN_POOL_MAX, threads))
        return 0;
    return cmd_usage_error("invalid threads '%s' (need an integer 1..%d)", s, FFNN_POOL_MAX);
}

bool cmd_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s == '-' || *s == '\0')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool cmd_parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}

char **cmd_split_list(const char *s, int *n)
{
    int cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    char **v = calloc((size_t)cap, sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    const char *start = s;
    for (;;) {
        const char *comma = strchr(start, ',');
        size_t len = comma ? (size_t)(comma - start) : strlen(start);
        if (!(v[*n] = strndup(start, len))) {
            cmd_free_list(v, *n);
            *n = 0;
            return NULL;
        }
        (*n)++;
        if (!comma)
            break;
        start = comma + 1;
    }
    return v;
}

void cmd_free_list(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A program with an output file ignores SIGPIPE: a closed pipe on standard
 * output is then a write error (EPIPE), reported (74) after the staged
 * files are removed, instead of a death that skips that.  A program that
 * writes only to standard output keeps the default, as filters do: killed
 * by SIGPIPE (128 + 13 in the shell), it has nothing to remove.  A SIGPIPE
 * already ignored by the parent stays ignored in both cases. */
static void pipe_is_write_error(void)
{
    signal(SIGPIPE, SIG_IGN);
}

int cmd_out_open(cmd_out *o, const char *path, ffnn_error *err)
{
    memset(o, 0, sizeof *o);
    if (strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    pipe_is_write_error();
    int st = ffnn_atomic_open(&o->file, path, -1, true, err);
    o->fp = o->file.fp;
    return st;
}

static int commit_one(cmd_out *o, ffnn_error *err)
{
    if (o->fp == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout))
            return ffnn_error_set(err, FFNN_EIO, "<stdout>: write error: %s", strerror(errno));
        return 0;
    }
    o->fp = NULL;
    return ffnn_atomic_commit(&o->file, err);
}

int cmd_out_commit(cmd_out *o, ffnn_error *err)
{
    if (ffnn_stop_requested() && o->fp != stdout) {
        cmd_out_abort(o);
        return ffnn_error_canceled(err);
    }
    return commit_one(o, err);
}

void cmd_out_abort(cmd_out *o)
{
    if (o->fp != stdout)
        ffnn_atomic_abort(&o->file);
    o->fp = NULL;
}

cmd_out *cmd_outs_open(cmd_outs *s, const char *path, ffnn_error *err)
{
    if (s->n == CMD_OUTS_MAX) {
        ffnn_error_set(err, FFNN_EINTERNAL, "too many output files");
        return NULL;
    }
    cmd_out *o = &s->o[s->n];
    if (cmd_out_open(o, path, err)) {
        cmd_out_abort(o); /* frees what a failed open kept */
        return NULL;
    }
    s->n++;
    return o;
}

int cmd_outs_commit(cmd_outs *s, ffnn_error *err)
{
    int st = 0;
    /* Every write error (a device such as /dev/full reports them only now)
     * before the first rename. */
    for (int i = 0; i < s->n && !st; i++) {
        FILE *fp = s->o[i].fp;
        if (fp && (fflush(fp) != 0 || ferror(fp)))
            st = ffnn_error_set(err, FFNN_EIO, "%s: write error: %s",
                                fp == stdout ? "<stdout>" : s->o[i].file.path,
                                strerror(errno ? errno : EIO));
    }
    /* A stop request before the first rename discards them all; after it,
     * the renames finish. */
    if (!st && ffnn_stop_requested())
        st = ffnn_error_canceled(err);
    if (st) {
        cmd_outs_abort(s);
        return st;
    }
    for (int i = 0; i < s->n; i++) {
        if (st)
            cmd_out_abort(&s->o[i]);
        else
            st = commit_one(&s->o[i], err);
    }
    s->n = 0;
    return st;
}

void cmd_outs_abort(cmd_outs *s)
{
    for (int i = 0; i < s->n; i++)
        cmd_out_abort(&s->o[i]);
    s->n = 0;
}

int cmd_check_output(const char *path, ffnn_error *err)
{
    struct stat sb;
    if (strcmp(path, "-") != 0)
        pipe_is_write_error();
    if (strcmp(path, "-") == 0 ||
        (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)))
        return 0;
    ffnn_atomic_file f;
    int st = ffnn_atomic_open(&f, path, -1, false, err);
    if (st == 0)
        ffnn_atomic_abort(&f);
    return st;
}

/* The directory part of path ("." for none) in buf; false if too long. */
static bool dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t len = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
    if (len + 2 > size)
        return false;
    if (len)
        memcpy(buf, path, len);
    else
        buf[len++] = '.';
    buf[len] = '\0';
    return true;
}

/* Do a and b lead to one file, so that writing one destroys the other?
 * Existing regular files compare by device and inode (through symbolic and
 * hard links); devices, FIFOs and standard streams are written in place and
 * never clash.  Names that do not exist yet are one file when their
 * directories are one directory and their last components are equal. */
static bool same_file(const char *a, const char *b)
{
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return false;
    struct stat sa, sb;
    bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea || eb)
        return ea && eb && S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode) && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
    const char *na = strrchr(a, '/'), *nb = strrchr(b, '/');
    char da[PATH_MAX], db[PATH_MAX];
    if (strcmp(na ? na + 1 : a, nb ? nb + 1 : b) != 0)
        return false;
    if (!dir_of(a, da, sizeof da) || !dir_of(b, db, sizeof db) || stat(da, &sa) != 0 ||
        stat(db, &sb) != 0)
        return strcmp(a, b) == 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cmd_check_distinct(const cmd_file *files, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            const cmd_file *a = &files[i], *b = &files[j];
            if (!a->path || !b->path || (!a->output && !b->output))
                continue;
            if (same_file(a->path, b->path))
                return cmd_usage_error("%s and %s are the same file (%s)", a->what, b->what,
                                       a->output ? a->path : b->path);
        }
    return 0;
}

char *cmd_default_name(const char *path, const char *ext)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".csv") == 0)
        len -= 4;
    else if (len > 5 && strcmp(base + len - 5, ".ffnn") == 0)
        len -= 5;
    size_t size = len + strlen(ext) + 1;
    char *out = malloc(size);
    if (out)
        snprintf(out, size, "%.*s%s", (int)len, base, ext);
    return out;
}

FILE *cmd_open_input(const char *path, ffnn_error *err)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *fp = fopen(path, "rb");
    struct stat sb;
    if (fp && fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(fp);
        ffnn_error_set(err, FFNN_ENOINPUT, "%s: cannot open: %s", path, strerror(EISDIR));
        return NULL;
    }
    if (!fp && errno == ENOMEM)
        ffnn_error_nomem(err);
    else if (!fp)
        ffnn_error_set(err, errno == ENOENT || errno == EACCES ? FFNN_ENOINPUT : FFNN_EIO,
                       "%s: cannot open: %s", path, strerror(errno));
    return fp;
}
