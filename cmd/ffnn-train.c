/* ffnn-train — train a model on a CSV file and save it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "ffnn/config.h"
#include "ffnn/ingest.h"
#include "ffnn/model_io.h"
#include "ffnn/train.h"

/* Online CPUs, at least 1: the default for --threads. */
static long cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

static void usage(void)
{
    ffnn_config d = ffnn_config_default();
    printf("Usage: %s [OPTION]... TRAIN.csv\n"
           "Train a feed-forward network on TRAIN.csv and save it as a model file.\n\n"
           "  -c, --config=FILE      training config JSON (see ffnn-config(5))\n"
           "  -T, --target=NAME      target column (default: the last column)\n"
           "  -i, --ignore=COL,...   columns that are not features\n"
           "  -s, --seed=N           seed for init, shuffling, dropout, validation split\n"
           "                         (default: the config's \"seed\", else %llu)\n"
           "  -e, --epochs=N         override the config's epochs (default %d)\n"
           "  -o, --output=MODEL     model file to write (default: TRAIN with .ffnn)\n"
           "  -j, --threads=N        threads for reading and large batches (default: all\n"
           "                         %ld CPUs); the results do not depend on N\n"
           "      --history=FILE     write the per-epoch history CSV\n"
           "  -v, --verbose          progress on stderr even when it is not a terminal\n"
           "  -q, --quiet            no warnings\n"
           "  -h, --help             show this help and exit\n"
           "      --version          show the version and exit\n\n"
           "Defaults without a config: %d hidden layer of %d %s units, output from the task,\n"
           "%s (learning_rate %g), batch_size %d, standardize %s.\n"
           "Exit status: 0 ok, 64 usage, 65 bad data, 66 input missing, 73 cannot create\n"
           "output, 71 out of memory, 74 I/O error, 78 bad config, 128+N signal N: no\n"
           "model written (see ffnn(7)).\n",
           progname, (unsigned long long)d.fit.seed, d.fit.epochs, cpu_count(), d.arch.n_hidden,
           d.arch.hidden[0].units, ffnn_act_name(d.arch.hidden[0].activation),
           ffnn_optim_name(d.fit.optimizer.kind), d.fit.optimizer.learning_rate, d.fit.batch_size,
           d.prep.standardize ? "on" : "off");
    ffnn_config_release(&d);
}

typedef struct {
    bool tty;
    const char *metric;
} progress;

static int on_epoch(void *ctx, const ffnn_epoch_log *log, int epochs)
{
    progress *p = ctx;
    fprintf(stderr, "Epoch %d/%d - loss: %.4f - %s: %.4f", log->epoch + 1, epochs, log->loss, p->metric,
            log->metric);
    if (!isnan(log->val_loss))
        fprintf(stderr, " - val_loss: %.4f - val_%s: %.4f", log->val_loss, p->metric, log->val_metric);
    fputs(p->tty ? "\033[K\r" : "\n", stderr);
    return 0;
}

/* Writes the model to output and, if hist, the history to history ("-":
 * standard output) as one set of outputs.  Returns the exit status. */
static int write_outputs(const ffnn_model *model, const char *output, const ffnn_history *hist,
                         const char *history)
{
    ffnn_error err;
    cmd_outs outs = {.n = 0};
    unsigned char *buf = NULL;
    size_t len = 0;
    cmd_out *o;
    int rc = 0;
    if (ffnn_model_serialize(model, &buf, &len, &err) || !(o = cmd_outs_open(&outs, output, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (fwrite(buf, 1, len, o->fp) != len) {
        rc = cmd_failf(74, "%s: write error: %s", strcmp(output, "-") ? output : "<stdout>",
                       strerror(errno ? errno : EIO));
        goto out;
    }
    if (hist) {
        if (!(o = cmd_outs_open(&outs, history, &err))) {
            rc = cmd_fail(&err);
            goto out;
        }
        if (ffnn_history_write(hist, o->fp) != 0) {
            rc = cmd_failf(74, "%s: write error: %s", strcmp(history, "-") ? history : "<stdout>",
                           strerror(errno ? errno : EIO));
            goto out;
        }
    }
    if (cmd_outs_commit(&outs, &err))
        rc = cmd_fail(&err);
out:
    cmd_outs_abort(&outs);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    enum { OPT_HISTORY = 256, OPT_VERSION };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"target", required_argument, NULL, 'T'},
        {"ignore", required_argument, NULL, 'i'},
        {"seed", required_argument, NULL, 's'},
        {"epochs", required_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 'j'},
        {"history", required_argument, NULL, OPT_HISTORY},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *target = NULL, *ignore = NULL, *output = NULL, *history = NULL;
    uint64_t seed = 0;
    bool have_seed = false;
    long epochs = -1, threads = cpu_count();
    int c;

    cmd_init(argv[0]);
    while ((c = getopt_long(argc, argv, ":c:T:i:s:e:o:j:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'T': target = optarg; break;
        case 'i': ignore = optarg; break;
        case 's':
            if (!cmd_parse_u64(optarg, &seed))
                return cmd_usage_error("invalid seed '%s' (need a non-negative integer)", optarg);
            have_seed = true;
            break;
        case 'e':
            if (!cmd_parse_long(optarg, 0, 100000000, &epochs))
                return cmd_usage_error("invalid epochs '%s' (need an integer 0..100000000)", optarg);
            break;
        case 'o': output = optarg; break;
        case 'j':
            if (!cmd_parse_long(optarg, 1, FFNN_POOL_MAX, &threads))
                return cmd_usage_error("invalid threads '%s' (need an integer 1..%d)", optarg,
                                       FFNN_POOL_MAX);
            break;
        case OPT_HISTORY: history = optarg; break;
        case 'v': cmd_verbose++; break;
        case 'q': cmd_quiet = true; break;
        case 'h': usage(); return 0;
        case OPT_VERSION: cmd_version(); return 0;
        default: return cmd_bad_option(c, argv);
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("expected one TRAIN.csv argument, got %d", argc - optind);
    const char *train_path = argv[optind];
    if (!output && strcmp(train_path, "-") == 0)
        return cmd_usage_error("-o MODEL is required when training data comes from standard input");
    if (output && history && strcmp(output, "-") == 0 && strcmp(history, "-") == 0)
        return cmd_usage_error("the model and the history cannot both go to standard output");

    ffnn_error err;
    ffnn_config cfg = ffnn_config_default();
    ffnn_prep prep;
    ffnn_data data;
    ffnn_model *model = NULL;
    ffnn_history hist;
    char *out_alloc = NULL;
    int rc = 0;
    memset(&prep, 0, sizeof prep);
    memset(&data, 0, sizeof data);
    memset(&hist, 0, sizeof hist);

    if (config_path && ffnn_config_load(&cfg, config_path, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (target) {
        free(cfg.prep.target);
        if (!(cfg.prep.target = strdup(target))) {
            rc = cmd_nomem();
            goto out;
        }
    }
    if (ignore) {
        for (int i = 0; i < cfg.prep.n_ignore; i++)
            free(cfg.prep.ignore[i]);
        free(cfg.prep.ignore);
        if (!(cfg.prep.ignore = cmd_split_list(ignore, &cfg.prep.n_ignore))) {
            rc = cmd_nomem();
            goto out;
        }
    }
    if (have_seed)
        cfg.fit.seed = seed;
    if (epochs >= 0)
        cfg.fit.epochs = (int)epochs;
    cfg.fit.threads = (int)threads;
    if (!output && !(output = out_alloc = cmd_default_name(train_path, ".ffnn"))) {
        rc = cmd_nomem();
        goto out;
    }
    if (cmd_check_output(output, &err) || (history && cmd_check_output(history, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }

    cmd_reading reading;
    cmd_reading_init(&reading, train_path);
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.threads = (int)threads;
    io.progress = cmd_reading_progress;
    io.ctx = &reading;
    ffnn_status st = ffnn_ingest_load(&data, &prep, train_path, &cfg.prep, &io, &err);
    cmd_reading_end(&reading);
    if (st || ffnn_model_create(&model, &cfg.arch, &prep, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    cmd_warn_constant(&prep, strcmp(train_path, "-") ? train_path : "<stdin>");
    ffnn_rng rng;
    ffnn_rng_init(&rng, cfg.fit.seed, FFNN_RNG_INIT, 0);
    ffnn_model_init(model, &rng);

    progress prog = {isatty(STDERR_FILENO) != 0, prep.task == FFNN_TASK_REGRESSION ? "mae" : "accuracy"};
    ffnn_fit_extra extra;
    memset(&extra, 0, sizeof extra);
    if (cmd_progress_enabled()) {
        extra.on_epoch = on_epoch;
        extra.ctx = &prog;
    }
    if (ffnn_fit(model, &data, &cfg.fit, &extra, &hist, &err)) {
        if (prog.tty && extra.on_epoch)
            fputc('\n', stderr);
        rc = cmd_fail(&err);
        goto out;
    }
    if (prog.tty && extra.on_epoch)
        fputc('\n', stderr);
    /* The model and the history are renamed into place together, once both
     * are written: a failure of either leaves neither. */
    if ((rc = write_outputs(model, output, history ? &hist : NULL, history)))
        goto out;
    if (cmd_progress_enabled())
        fprintf(stderr, "%s: %d epochs%s; model written to %s\n", progname, hist.n,
                hist.stopped_early ? " (stopped early)" : "", output);
out:
    ffnn_history_release(&hist);
    ffnn_model_destroy(model);
    ffnn_data_release(&data);
    ffnn_prep_release(&prep);
    ffnn_config_release(&cfg);
    free(out_alloc);
    return rc;
}
