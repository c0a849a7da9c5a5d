/* ffnn programs — what every cmd/ffnn-*.c shares: messages, exit codes,
 * strict number options, output files written atomically. */
#ifndef FFNN_CMD_COMMON_H
#define FFNN_CMD_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
/* Usage error, one line: "prog: msg; try 'prog --help'" -> 64 (FFNN_EUSAGE). */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "path: write error: <errno's reason>" ("<stdout>" for "-") -> 74 (FFNN_EIO). */
int cmd_write_error(const char *path);
/* Flushes standard output; on a write error now or earlier prints
 * "<stdout>: write error: <reason>" and returns 74, else returns 0. */
int cmd_flush_stdout(void);
/* Progress goes to stderr when it is a terminal or with -v. */
bool cmd_progress_enabled(void);
/* The name messages use for an input or output path: "<stdin>" or
 * "<stdout>" for "-", else path. */
const char *cmd_input_name(const char *path);
const char *cmd_output_name(const char *path);
/* Online CPUs, at least 1: the default for -j. */
long cmd_cpu_count(void);

/* ---- options ------------------------------------------------------------
 * Every program takes -h/--help and --version; CMD_VERBOSE adds
 * -v/--verbose (cmd_verbose++), CMD_QUIET -q/--quiet (cmd_quiet).  A
 * program lists only its own options; cmd_getopt adds these and handles
 * them.  The program's long-only options use values from 256 up. */
enum { CMD_VERBOSE = 1, CMD_QUIET = 2 };
/* cmd_getopt's answer when main is to return *status now. */
#define CMD_OPT_EXIT (-2)

typedef struct {
    const char *shortopts;          /* the program's own, getopt style, no ':' prefix */
    const struct option *longopts;  /* the program's own, {NULL, 0, NULL, 0}-terminated */
    unsigned common;                /* CMD_VERBOSE | CMD_QUIET */
    void (*usage)(void);            /* the --help text */
} cmd_options;

/* getopt_long over the program's options and the shared ones.  Returns the
 * next program option (optarg set), -1 after the last option, or
 * CMD_OPT_EXIT with *status: 0 after --help (usage printed) or --version,
 * 64 after an unknown option or a missing argument ("unknown option '--x'",
 * "option '-o' needs an argument"; optind points past the operands as
 * getopt_long leaves it). */
int cmd_getopt(int argc, char **argv, const cmd_options *o, int *status);
/* The --help lines of the shared options of `common` (-v, -q, -h,
 * --version), each description starting in column width + 3. */
void cmd_help_common(unsigned common, int width);

/* Strict option parsing: the whole string must be the number, in range. */
bool cmd_parse_long(const char *s, long min, long max, long *out);
bool cmd_parse_u64(const char *s, uint64_t *out);
/* -j/--threads N of ffnn-train and ffnn-predict: 1..FFNN_POOL_MAX into
 * *threads and 0, else the usage error "invalid threads 'S' (need an
 * integer 1..256)" and its status (64). */
int cmd_parse_threads(const char *s, long *threads);
bool cmd_parse_double(const char *s, double min, double max, double *out);
/* Splits "a,b,c" into a malloc'd array of malloc'd strings; NULL when out
 * of memory. */
char **cmd_split_list(const char *s, int *n);
void cmd_free_list(char **v, int n);

/* An output file written atomically (ffnn_atomic_file, durable), or
 * standard output for "-"; cmd_out_commit renames it into place (or, after
 * a stop request, removes it: FFNN_ECANCELED), cmd_out_abort removes it.
 * Write to fp.  Opening a file (and cmd_check_output) makes the program
 * ignore SIGPIPE: a closed pipe on standard output is then a write error
 * (74) that removes the staged files, not a death that leaves them. */
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

/* A file named on the command line: what names it in messages (an option,
 * "-o", or an operand, "TRAIN.csv"); path NULL when not given. */
typedef struct {
    const char *what;
    const char *path;
    bool output;
} cmd_file;
/* Refuses, before any work, an output that is one of the inputs or another
 * output (writing it would destroy the other): "prog: -o and TRAIN.csv are
 * the same file (tr.csv); try 'prog --help'" -> 64, else 0.  Regular files
 * compare by device and inode, names not yet created by directory and
 * name; "-", devices and FIFOs never clash. */
int cmd_check_distinct(const cmd_file *files, int n);

/* "data/iris.csv", ".ffnn" -> "iris.ffnn", "m/iris.ffnn", ".onnx" -> "iris.onnx"
 * (in the current directory); malloc'd. */
char *cmd_default_name(const char *path, const char *ext);

/* Opens an input ("-" = stdin); missing or a directory -> 66 with a message. */
FILE *cmd_open_input(const char *path, ffnn_error *err);

/* ---- progress bar (cmd/progbar.c) -----------------------------------------
 * Keras's progress bar (Keras 2's Progbar, 30 wide) for work of a known
 * number of steps, for the caller to use on a terminal only:
 * "PREFIX 12/40 [=========>....................] - ETA: 3s - loss: 0.4123",
 * first drawn once the work has run for more than a second
 * (CMD_PROGBAR_AFTER), then at most every CMD_PROGBAR_EVERY seconds; each
 * line ends in "\033[K\r", so the next line (the bar's or the caller's
 * own) overwrites it.  For tests only, FFNN_PROGRESS_CLOCK=STEP in the
 * environment (a positive number of seconds) replaces the clock by one that
 * advances STEP at each cmd_progbar_due, so what is drawn does not depend
 * on time. */
#define CMD_PROGBAR_AFTER 1.0
#define CMD_PROGBAR_EVERY 0.1
#define CMD_PROGBAR_WIDTH 30

typedef struct {
    double step;          /* > 0: the test clock's step, else the real clock */
    double clock;         /* the test clock's reading */
    double start;         /* seconds when the work started (done 0) */
    double last;          /* seconds at the last line drawn, < 0: none yet */
    double now;           /* seconds at the last cmd_progbar_due */
} cmd_progbar;

void cmd_progbar_init(cmd_progbar *b);
/* Reads the clock; done 0 starts the work.  True when a line is due now. */
bool cmd_progbar_due(cmd_progbar *b, long done);
/* Draws the line for done of total steps (done >= 1) on stderr: prefix,
 * the bar, "- ETA: 3s" ("m:ss", "h:mm:ss") while done < total, else
 * "- 2s 50ms/step", then " - NAME: %.4f" for the values, the last ones left
 * out where the line would not fit the terminal's width. */
void cmd_progbar_draw(cmd_progbar *b, const char *prefix, long done, long total,
                      const char *const *names, const double *values, int n);

/* A progress line while a large input is read, on the bar's clock and
 * schedule (from one second on, at most ten times a second; the test
 * clock advances one step per block): "PROG: reading NAME: 42% (18.3 of
 * 43.7 MB, 410 MB/s)", or without the percent and size when the size is
 * unknown (a pipe), overwritten in place and erased by cmd_reading_end;
 * nothing once all of a known size is read.
 * For the caller to use on a terminal only (tty); cmd_reading_progress is
 * an ffnn_ingest_options.progress callback (ctx: the cmd_reading). */
typedef struct {
    const char *name;
    bool tty;
    bool shown;             /* a line is on the terminal */
    long long done;         /* bytes at the last call */
    cmd_progbar bar;
} cmd_reading;
void cmd_reading_init(cmd_reading *r, const char *name, bool tty);
int cmd_reading_progress(void *ctx, long long done, long long total);
void cmd_reading_end(cmd_reading *r);

#endif
