/* ffnn-train — train a model on a CSV file and save it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "ffnn/config.h"
#include "ffnn/model_io.h"
#include "ffnn/train.h"
#include "ffnn/train_file.h"

/* "batch_size auto (min(200, rows))" or "batch_size 32". */
static const char *batch_text(char *buf, size_t n, int batch_size)
{
    if (batch_size == FFNN_BATCH_AUTO)
        snprintf(buf, n, "batch_size auto (min(%d, rows))", FFNN_BATCH_AUTO_MAX);
    else
        snprintf(buf, n, "batch_size %d", batch_size);
    return buf;
}

static void usage(void)
{
    ffnn_config d = ffnn_config_default();
    const ffnn_early_stopping *es = &d.fit.early_stopping;
    char batch[64];
    printf("Usage: %s [OPTION]... TRAIN.csv\n"
           "Train a feed-forward network on TRAIN.csv and save it as a model file.\n\n"
           "  -c, --config=FILE      training config JSON (see ffnn-config(5))\n"
           "  -T, --target=NAME      target column (default: the last column)\n"
           "  -i, --ignore=COL,...   columns that are not features\n"
           "  -s, --seed=N           seed for init, shuffling, dropout, validation split\n"
           "                         (default: the config's \"seed\", else %llu)\n"
           "  -e, --epochs=N         train exactly N epochs, as the config's \"epochs\" does\n"
           "                         (default: the config's, else \"auto\"; see below)\n"
           "  -o, --output=MODEL     model file to write (default: TRAIN with .ffnn)\n"
           "  -j, --threads=N        threads for reading and large batches (default: all\n"
           "                         %ld CPUs); the results do not depend on N\n"
           "      --validation=FILE  validate on the rows of FILE as given (Keras's\n"
           "                         validation_data): every row of TRAIN.csv trains\n"
           "      --history=FILE     write the per-epoch history CSV\n",
           progname, (unsigned long long)d.fit.seed, cmd_cpu_count());
    cmd_help_common(CMD_VERBOSE | CMD_QUIET, 22);
    printf("\nDefaults without a config: %d hidden layer of %d %s units, the output layer\n"
           "from the task, %s (learning_rate %g), %s,\n"
           "epochs auto (up to %d, or as many as %d batches take when that is more),\n"
           "stopping once the training %s has not improved by %g for %d epochs,\n"
           "standardize %s.  A config that states \"epochs\" (or -e) trains exactly that\n"
           "many unless it states \"early_stopping\" too.\n"
           "Exit status: 0 ok, 64 usage, 65 bad data, 66 input missing, 73 cannot create\n"
           "output, 71 out of memory, 74 I/O error, 78 bad config, 128+N signal N: no\n"
           "model written (see ffnn(7)).\n",
           d.arch.n_hidden, d.arch.hidden[0].units, ffnn_act_name(d.arch.hidden[0].activation),
           ffnn_optim_name(d.fit.optimizer.kind), d.fit.optimizer.learning_rate,
           batch_text(batch, sizeof batch, d.fit.batch_size), FFNN_EPOCHS_AUTO_MIN,
           FFNN_EPOCHS_AUTO_UPDATES, es->monitor,
           es->min_delta, es->patience, d.prep.standardize ? "on" : "off");
    ffnn_config_release(&d);
}

typedef struct {
    bool tty;
    const char *source;     /* the training file, for warnings */
    const char *metric;
    bool fitting;           /* ffnn_fit has started */
    cmd_reading reading;    /* while the training file is read */
    cmd_progbar bar;        /* within an epoch, on a terminal */
} progress;

static int on_read(void *ctx, long long done, long long total)
{
    progress *p = ctx;
    return cmd_reading_progress(&p->reading, done, total);
}

static void on_prep(void *ctx, const ffnn_prep *prep)
{
    progress *p = ctx;
    cmd_reading_end(&p->reading);
    p->metric = prep->task == FFNN_TASK_REGRESSION ? "mae" : "accuracy";
    p->fitting = true;
    cmd_warn_constant(prep, p->source);
}

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

/* Within an epoch that runs for more than a second, on a terminal: Keras's
 * bar, "Epoch 3/150 12/40 [=======>...] - ETA: 3s - loss: 0.4123 -
 * accuracy: 0.8125", which the epoch's line then overwrites. */
static int on_batch(void *ctx, const ffnn_batch_log *log)
{
    progress *p = ctx;
    if (cmd_progbar_due(&p->bar, log->done)) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "Epoch %d/%d", log->epoch + 1, log->epochs);
        const char *names[] = {"loss", p->metric};
        const double values[] = {log->loss, log->metric};
        cmd_progbar_draw(&p->bar, prefix, log->done, log->total, names, values, 2);
    }
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
        rc = cmd_write_error(output);
        goto out;
    }
    if (hist) {
        if (!(o = cmd_outs_open(&outs, history, &err))) {
            rc = cmd_fail(&err);
            goto out;
        }
        if (ffnn_history_write(hist, o->fp) != 0) {
            rc = cmd_write_error(history);
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
    enum { OPT_HISTORY = 256, OPT_VALIDATION };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"target", required_argument, NULL, 'T'},
        {"ignore", required_argument, NULL, 'i'},
        {"seed", required_argument, NULL, 's'},
        {"epochs", required_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 'j'},
        {"history", required_argument, NULL, OPT_HISTORY},
        {"validation", required_argument, NULL, OPT_VALIDATION},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"c:T:i:s:e:o:j:", longopts, CMD_VERBOSE | CMD_QUIET, usage};
    const char *config_path = NULL, *target = NULL, *ignore = NULL, *output = NULL, *history = NULL;
    const char *validation = NULL;
    uint64_t seed = 0;
    bool have_seed = false;
    long epochs = -1, threads = cmd_cpu_count();
    int c, rc = 0;

    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
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
            if ((rc = cmd_parse_threads(optarg, &threads)))
                return rc;
            break;
        case OPT_HISTORY: history = optarg; break;
        case OPT_VALIDATION: validation = optarg; break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("expected one TRAIN.csv argument, got %d", argc - optind);
    const char *train_path = argv[optind];
    if (!output && strcmp(train_path, "-") == 0)
        return cmd_usage_error("-o MODEL is required when training data comes from standard input");
    if (validation && strcmp(validation, "-") == 0 && strcmp(train_path, "-") == 0)
        return cmd_usage_error("the training and the validation rows cannot both come from "
                               "standard input");
    if (output && history && strcmp(output, "-") == 0 && strcmp(history, "-") == 0)
        return cmd_usage_error("the model and the history cannot both go to standard output");

    ffnn_error err;
    ffnn_config cfg = ffnn_config_default();
    ffnn_model *model = NULL;
    ffnn_history hist;
    ffnn_status st;
    char *out_alloc = NULL;
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
        ffnn_config_set_epochs(&cfg, (int)epochs);
    cfg.fit.threads = (int)threads;
    if (!output && !(output = out_alloc = cmd_default_name(train_path, ".ffnn"))) {
        rc = cmd_nomem();
        goto out;
    }
    const cmd_file files[] = {{"-o", output, true}, {"--history", history, true},
                              {"TRAIN.csv", train_path, false}, {"-c", config_path, false},
                              {"--validation", validation, false}};
    if ((rc = cmd_check_distinct(files, 5)))
        goto out;
    if (cmd_check_output(output, &err) || (history && cmd_check_output(history, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }

    progress prog = {.tty = isatty(STDERR_FILENO) != 0, .source = cmd_input_name(train_path),
                     .metric = "accuracy"};
    cmd_progbar_init(&prog.bar);
    cmd_reading_init(&prog.reading, prog.source, prog.tty);
    ffnn_train_hooks hooks = {on_prep, cmd_progress_enabled() ? on_epoch : NULL, &prog,
                              prog.tty ? on_batch : NULL, on_read};
    st = ffnn_train_file(&cfg, train_path, validation, &hooks, &model, &hist, &err);
    cmd_reading_end(&prog.reading);
    if (prog.fitting && prog.tty && hooks.on_epoch)
        fputc('\n', stderr);
    if (st) {
        rc = cmd_fail(&err);
        goto out;
    }
    /* The model and the history are renamed into place together, once both
     * are written: a failure of either leaves neither. */
    if ((rc = write_outputs(model, output, history ? &hist : NULL, history)))
        goto out;
    /* scikit-learn's ConvergenceWarning: the default rule never stopped it. */
    if (cfg.default_stop && cfg.fit.early_stopping.enabled && !hist.stopped_early &&
        hist.n == hist.epoch_limit)
        cmd_warn("%s: stopped at the %d-epoch limit with the training loss still improving; "
                 "set \"epochs\" (or -e) to train longer", prog.source, hist.epoch_limit);
    if (cmd_progress_enabled())
        fprintf(stderr, "%s: %d epochs%s; model written to %s\n", progname, hist.n,
                hist.stopped_early ? " (stopped early)" : "", output);
out:
    ffnn_history_release(&hist);
    ffnn_model_destroy(model);
    ffnn_config_release(&cfg);
    free(out_alloc);
    return rc;
}
