/* ffnn programs — what every cmd/ffnn-*.c shares: messages, exit codes,
 * strict number options, output files written atomically. */
#ifndef FFNN_CMD_COMMON_H
#define FFNN_CMD_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "ffnn/preprocess.h"
#include "ffnn/error.h"
#include "ffnn/file.h"

extern const char *progname;   /* set by cmd_init */
extern int cmd_verbose;        /* -v count */
extern bool cmd_quiet;         /* -q */

/* Sets progname and catches SIGINT/SIGTERM/SIGHUP as a stop request
 * (ffnn_request_stop): the library stops at its next check, and cmd_fail
 * then reports "prog: interrupted by SIGINT<cmd_stop_hint>" -> 128 + signal. */
void cmd_init(const char *name);
extern const char *cmd_stop_hint;
/* "prog: message" on stderr; returns status (after a stop request, the
 * interruption line and 128 + signal instead). */
int cmd_fail(const ffnn_error *err);
int cmd_failf(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "prog: out of memory" -> 71 (FFNN_ENOMEM). */
int cmd_nomem(void);
/* "prog: warning: ..." unless -q. */
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One warning line naming p's constant feature columns (if any), which carry
 * no information: "prog: warning: SOURCE: column "x" has the same value in
 * every row; it carries no information". */
void cmd_warn_constant(const ffnn_prep *p, const char *source);
/* Usage error, one line: "prog: msg; try 'prog --help'" -> 64. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt_long's ':' and '?' returns (optstrings start with ':'):
 * "unknown option '--x'" or "option '-o' needs an argument" -> 64. */
int cmd_bad_option(int c, char **argv);
void cmd_version(void);
/* Flushes standard output; on a write error now or earlier prints
 * "<stdout>: write error: <reason>" and returns 74, else returns 0. */
int cmd_flush_stdout(void);
/* Progress goes to stderr when it is a terminal or with -v. */
bool cmd_progress_enabled(void);

/* A progress line while a large input is read: on a terminal only, from
 * one second on, redrawn in place and cleared at the end.
 * cmd_reading_progress is an ffnn_ingest_options.progress callback (ctx: the
 * cmd_reading). */
typedef struct {
    const char *name;
    bool tty;
    double shown;           /* seconds at the last line drawn, 0: none */
    struct timespec t0;
} cmd_reading;
void cmd_reading_init(cmd_reading *r, const char *name);
int cmd_reading_progress(void *ctx, long long done, long long total);
void cmd_reading_end(cmd_reading *r);

/* Strict option parsing: the whole string must be the number, in range. */
bool cmd_parse_long(const char *s, long min, long max, long *out);
bool cmd_parse_u64(const char *s, uint64_t *out);
bool cmd_parse_double(const char *s, double min, double max, double *out);
/* Splits "a,b,c" into a malloc'd array of malloc'd strings; NULL when out
 * of memory. */
char **cmd_split_list(const char *s, int *n);
void cmd_free_list(char **v, int n);

/* An output file written atomically (ffnn_atomic_file, durable), or
 * standard output for "-"; cmd_out_commit renames it into place (or, after
 * a stop request, removes it: FFNN_ECANCELED), cmd_out_abort removes it.
 * Write to fp. */
typedef struct {
    FILE *fp;
    ffnn_atomic_file file;
} cmd_out;
int cmd_out_open(cmd_out *o, const char *path, ffnn_error *err);
int cmd_out_commit(cmd_out *o, ffnn_error *err);
void cmd_out_abort(cmd_out *o);

/* Output files that appear together or not at all: each is written to its
 * temporary file; cmd_outs_commit renames them all (once standard output,
 * if any, is written too), cmd_outs_abort removes them all. */
#define CMD_OUTS_MAX 4
typedef struct {
    cmd_out o[CMD_OUTS_MAX];
    int n;
} cmd_outs;
/* Adds path to the set; NULL (err set, the set unchanged) if it cannot be
 * created. */
cmd_out *cmd_outs_open(cmd_outs *s, const char *path, ffnn_error *err);
/* Commits every file; on the first failure removes the rest; after a stop
 * request removes them all (FFNN_ECANCELED).  The set is empty afterwards. */
int cmd_outs_commit(cmd_outs *s, ffnn_error *err);
void cmd_outs_abort(cmd_outs *s);

/* Fails now, with the message writing it would give (73 "path: cannot
 * create: <reason>"), when the output path cannot be created: a missing or
 * unwritable directory, a directory in the way.  Programs call it for every
 * output before the work, so a long run does not end in that error with
 * other outputs already written.  "-" and devices pass; nothing is left. */
int cmd_check_output(const char *path, ffnn_error *err);

/* "data/iris.csv", ".ffnn" -> "iris.ffnn" (in the current directory); malloc'd. */
char *cmd_default_name(const char *path, const char *ext);

/* Opens an input ("-" = stdin); missing or a directory -> 66 with a message. */
FILE *cmd_open_input(const char *path, ffnn_error *err);

#endif
