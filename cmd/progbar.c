/* ffnn programs — Keras's progress bar (see common.h), and the line
 * shown while a large input is read, on the bar's clock.  The format is
 * Keras 2's Progbar (keras-semantics.md §4, fit verbose=1): its numbers,
 * bar, ETA and per-step time; the values are printed with "%.4f" as the
 * per-epoch lines print them. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static double read_clock(cmd_progbar *b)
{
    if (b->step > 0)
        return b->clock += b->step;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cmd_progbar_init(cmd_progbar *b)
{
    memset(b, 0, sizeof *b);
    b->last = -1;
    const char *s = getenv("FFNN_PROGRESS_CLOCK");
    if (s) {
        char *end;
        double v = strtod(s, &end);
        if (end != s && !*end && v > 0 && v < 1e6)
            b->step = v;
    }
}

bool cmd_progbar_due(cmd_progbar *b, long done)
{
    b->now = read_clock(b);
    if (done == 0) {
        b->start = b->now;
        b->last = -1;
        return false;
    }
    return b->now - b->start > CMD_PROGBAR_AFTER &&
           (b->last < 0 || b->now - b->last >= CMD_PROGBAR_EVERY);
}

/* The terminal's columns on stderr, 0 when unknown. */
static int columns(void)
{
    struct winsize ws;
    return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

/* Appends to buf (size n, holding *len chars) what fits, as snprintf. */
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = *len < n ? vsnprintf(buf + *len, n - *len, fmt, ap) : 0;
    va_end(ap);
    if (k > 0)
        *len = *len + (size_t)k < n ? *len + (size_t)k : n - 1;
}

/* Keras's ETA: "%ds", "m:ss" past a minute, "h:mm:ss" past an hour (whole
 * seconds, truncated). */
static void append_eta(char *buf, size_t n, size_t *len, double eta)
{
    long s = (long)eta;
    if (eta > 3600)
        append(buf, n, len, " - ETA: %ld:%02ld:%02ld", s / 3600, s % 3600 / 60, s % 60);
    else if (eta > 60)
        append(buf, n, len, " - ETA: %ld:%02ld", s / 60, s % 60);
    else
        append(buf, n, len, " - ETA: %lds", s);
}

void cmd_progbar_draw(cmd_progbar *b, const char *prefix, long done, long total,
                      const char *const *names, const double *values, int n)
{
    char line[512];
    size_t len = 0;
    int digits = 1;
    for (long t = total; t >= 10; t /= 10)
        digits++;
    /* floor(width·done/total) in integers: Keras's int(width·(done/total)). */
    char bar[CMD_PROGBAR_WIDTH + 1];
    long filled = total > 0 ? CMD_PROGBAR_WIDTH * done / total : 0;
    for (long i = 0; i < CMD_PROGBAR_WIDTH; i++)
        bar[i] = i < filled - 1 ? '=' : i == filled - 1 ? (done < total ? '>' : '=') : '.';
    bar[CMD_PROGBAR_WIDTH] = '\0';
    append(line, sizeof line, &len, "%s %*ld/%ld [%s]", prefix, digits, done, total, bar);
    double elapsed = b->now - b->start;
    double per_step = done > 0 ? elapsed / (double)done : 0.0;
    if (done < total) {
        append_eta(line, sizeof line, &len, per_step * (double)(total - done));
    } else {
        append(line, sizeof line, &len, " - %.0fs", elapsed);
        if (per_step >= 1 || per_step == 0)
            append(line, sizeof line, &len, " %.0fs/step", per_step);
        else if (per_step >= 1e-3)
            append(line, sizeof line, &len, " %.0fms/step", per_step * 1e3);
        else
            append(line, sizeof line, &len, " %.0fus/step", per_step * 1e6);
    }
    /* A line longer than the terminal wraps, and "\r" would then redraw only
     * its last row: the values that do not fit are left out, and the rest is
     * cut one column short of the edge. */
    int cols = columns();
    size_t room = cols > 1 ? (size_t)cols - 1 : sizeof line - 1;
    for (int i = 0; i < n; i++) {
        char item[96];
        int k = snprintf(item, sizeof item, " - %s: %.4f", names[i], values[i]);
        if (k < 0 || len + (size_t)k > room)
            break;
        append(line, sizeof line, &len, "%s", item);
    }
    if (len > room)
        line[len = room] = '\0';
    fprintf(stderr, "%s\033[K\r", line);
    b->last = b->now;
}

void cmd_reading_init(cmd_reading *r, const char *name, bool tty)
{
    r->name = name;
    r->tty = tty;
    r->shown = false;
    r->done = 0;
    cmd_progbar_init(&r->bar);
    cmd_progbar_due(&r->bar, 0);
}

int cmd_reading_progress(void *ctx, long long done, long long total)
{
    cmd_reading *r = ctx;
    /* Once all of a known size is read the line would be erased at once. */
    if (!r->tty || done == r->done || done == total)
        return 0;
    r->done = done;
    if (!cmd_progbar_due(&r->bar, 1))
        return 0;
    double t = r->bar.now - r->bar.start, mb = (double)done / 1e6;
    if (total > 0)
        fprintf(stderr, "%s: reading %s: %d%% (%.1f of %.1f MB, %.0f MB/s)\033[K\r", progname,
                r->name, (int)(100 * done / total), mb, (double)total / 1e6, mb / t);
    else
        fprintf(stderr, "%s: reading %s: %.1f MB (%.0f MB/s)\033[K\r", progname, r->name, mb,
                mb / t);
    r->bar.last = r->bar.now;
    r->shown = true;
    return 0;
}

void cmd_reading_end(cmd_reading *r)
{
    if (r->shown)
        fputs("\033[K\r", stderr);
    r->shown = false;
}
