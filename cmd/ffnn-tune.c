/* ffnn-tune — hyperparameter search (keras-tuner's Hyperband, random, grid,
 * Bayesian optimisation) over a tune directory that survives kill -9 and can
 * be driven by external executors. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
#include "ffnn/train_file.h"
#include "ffnn/tune.h"

static void usage(void)
{
    ffnn_tune_options d = ffnn_tune_options_default();
    printf("Usage: %s -g HYPERGRID [-d DIR] [-j JOBS] [-s SEED] [-o MODEL] [--best-config FILE] TRAIN.csv\n"
           "       %s --schedule -g HYPERGRID\n"
           "       %s -g HYPERGRID -d DIR --init TRAIN.csv\n"
           "       %s --pending DIR\n"
           "       %s --run-trial ID DIR\n"
           "Search hyperparameters for a feed-forward network on TRAIN.csv (keras-tuner's\n"
           "Hyperband by default), then retrain the best ones on all training rows.\n\n"
           "  -g, --hypergrid=FILE   search space and tuner settings (see ffnn-hypergrid(5))\n"
           "  -d, --dir=DIR          tune directory; rerunning resumes it (default: TRAIN.tune)\n"
           "  -j, --jobs=N           trials trained at once (default: all cores)\n"
           "  -s, --seed=N           seed of sampling, splits and training (default: the\n"
           "                         hypergrid's tuner.seed, else %llu)\n"
           "  -T, --target=NAME      target column (default: the last column)\n"
           "  -i, --ignore=COL,...   columns that are not features\n"
           "      --validation=FILE  every trial validates on the rows of FILE as given\n"
           "                         (Keras's validation_data), not on a share of\n"
           "                         TRAIN.csv's rows (tuner.validation_split)\n"
           "  -o, --output=MODEL     write the final model: the best hyperparameters fit on\n"
           "                         every training row with the search's fit settings\n"
           "      --best-model=WHICH refit (the default, the tutorial's final fit) or trial:\n"
           "                         -o writes the best trial's own model instead\n"
           "                         (keras-tuner's get_best_models())\n"
           "      --best-config=FILE write the best config (an ffnn-train config; ffnn-train\n"
           "                         -c FILE gives the refit model)\n"
           "      --json             print the result as JSON\n"
           "      --top=N            trials in the ranked table (default 10, 0 = all)\n"
           "      --overwrite        discard DIR's previous search\n"
           "      --schedule         print the trial schedule and exit\n"
           "      --init             set up DIR for --pending/--run-trial and exit\n"
           "      --pending          create what can run now; print runnable trial ids of DIR\n"
           "      --run-trial=ID     run one trial of DIR\n"
           "      --algorithm=NAME   hyperband, random, grid or bayesian (default %s)\n"
           "      --max-epochs=N     Hyperband's max_epochs, epochs of other searches (default %d)\n"
           "      --factor=N         Hyperband's factor (default %d)\n"
           "      --iterations=N     hyperband_iterations (default %d; may extend a search)\n"
           "      --objective=NAME   val_accuracy, val_loss, ... (default %s)\n"
           "      --max-trials=N     trials of random, grid or bayesian search (default %d)\n"
           "      --executions=N     executions_per_trial (default %d)\n",
           progname, progname, progname, progname, progname, (unsigned long long)d.seed,
           ffnn_tune_algorithm_name(d.algorithm), d.max_epochs, d.factor, d.hyperband_iterations,
           d.objective, d.max_trials, d.executions_per_trial);
    cmd_help_common(CMD_VERBOSE | CMD_QUIET, 22);
    printf("\nExit status: 0 ok, 64 usage, 65 bad data, 66 input missing, 73 cannot create\n"
           "output or DIR in use, 71 out of memory, 74 I/O error, 78 bad hypergrid,\n"
           "128+N signal N: run the same command to resume (see ffnn(7)).\n");
}

typedef struct {
    bool tty;
    const char *objective;
    time_t start;
} progress;

static void on_trial(void *ctx, const ffnn_tune_progress *p)
{
    progress *pr = ctx;
    const ffnn_trial *t = p->trial;
    double elapsed = difftime(time(NULL), pr->start);
    char eta[32] = "?";
    if (p->epochs_done > 0) {
        long s = (long)(elapsed * (double)(p->epochs_total - p->epochs_done) / (double)p->epochs_done);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "trial %d/%ld: %04d bracket %d round %d", p->done, p->total, t->id, t->bracket,
            t->round);
    if (t->status == FFNN_TRIAL_COMPLETED)
        fprintf(stderr, " %s %.4f", pr->objective, t->score);
    else
        fprintf(stderr, " failed");
    if (p->best >= 0)
        fprintf(stderr, " best %.4f (%04d)", p->best_score, p->best);
    fprintf(stderr, " ETA %s", eta);
    fputs(pr->tty ? "\033[K\r" : "\n", stderr);
}

/* One hyperparameter value as the tables show it (lists and objects as
 * compact JSON); true, as the JSON writer needs no memory. */
static bool print_value(const cJSON *v, FILE *fp)
{
    if (cJSON_IsNumber(v)) {
        fprintf(fp, "%.6g", v->valuedouble);
    } else if (cJSON_IsString(v)) {
        fputs(v->valuestring, fp);
    } else if (!v) {
        fputs("?", fp);
    } else {
        ffnn_json_writer w;
        ffnn_json_writer_init(&w, fp, 0);
        ffnn_json_tree(&w, v);
    }
    return true;
}

/* The text report; false when out of memory (fp then has part of it). */
static bool print_text(const ffnn_tune *t, int top, FILE *fp)
{
    const ffnn_hypergrid *g = ffnn_tune_grid(t);
    int n_trials = ffnn_tune_n_trials(t);
    int *order = calloc((size_t)(n_trials ? n_trials : 1), sizeof *order);
    bool ok = true;
    if (!order)
        return false;
    int k = ffnn_tune_ranking(t, order), failed = 0;
    if (k < 0) {
        free(order);
        return false;
    }
    for (int i = 0; i < n_trials; i++)
        failed += ffnn_tune_trial(t, i)->status == FFNN_TRIAL_FAILED;
    fprintf(fp, "Search: %s, %d trials (%d completed, %d failed), objective %s (%s), seed %llu\n",
            ffnn_tune_algorithm_name(g->tuner.algorithm), n_trials, k, failed, g->tuner.objective,
            ffnn_mode_name(ffnn_tune_direction(t)), (unsigned long long)g->tuner.seed);
    if (ffnn_tune_exhausted(t)) {
        long points = ffnn_hypergrid_points(g);
        fprintf(fp, "The search ended early: its space is used up (%d distinct configurations "
                "tried", ffnn_tune_configurations(t));
        if (points >= 0 && points < LONG_MAX)
            fprintf(fp, " of %ld", points);
        fprintf(fp, "; new random draws kept repeating them, keras-tuner's \"Oracle triggered "
                "exit\").\n");
    }
    if (k <= 0) {
        free(order);
        return true;
    }
    const ffnn_trial *b = ffnn_tune_trial(t, order[0]);
    fprintf(fp, "Best %s: %.6g (trial %04d, bracket %d, round %d, epochs %d->%d)\n",
            g->tuner.objective, b->score, b->id, b->bracket, b->round, b->initial_epoch, b->epochs);
    fprintf(fp, "Best hyperparameters:\n");
    cJSON *all = ffnn_tune_hyperparameters(g, b->values);
    ok = all != NULL;
    for (const cJSON *v = all ? all->child : NULL; ok && v; v = v->next) {
        fprintf(fp, "  %-16s ", v->string);
        ok = print_value(v, fp);
        fputc('\n', fp);
    }
    cJSON_Delete(all);
    int n = top <= 0 || top > k ? k : top;
    fprintf(fp, "\n%-5s %-6s %-9s %-4s %-6s %-9s", "rank", "trial", "score", "iter", "b/r", "epochs");
    for (int i = 0; i < g->n_hp; i++)
        fprintf(fp, " %s", g->hp[i].name);
    fputc('\n', fp);
    for (int i = 0; ok && i < n; i++) {
        const ffnn_trial *tr = ffnn_tune_trial(t, order[i]);
        char br[16], ep[24];
        snprintf(br, sizeof br, "%d/%d", tr->bracket, tr->round);
        snprintf(ep, sizeof ep, "%d->%d", tr->initial_epoch, tr->epochs);
        fprintf(fp, "%-5d %04d   %-9.6g %-4d %-6s %-9s", i + 1, tr->id, tr->score, tr->iteration, br, ep);
        for (int h = 0; ok && h < g->n_hp; h++) {
            fputc(' ', fp);
            ok = print_value(cJSON_GetObjectItemCaseSensitive(tr->values, g->hp[h].name), fp);
        }
        fputc('\n', fp);
    }
    free(order);
    return ok;
}

/* Writes len bytes to path into the set of outputs (renamed into place
 * together by cmd_outs_commit). */
static int write_text(cmd_outs *outs, const char *path, const char *text, size_t len)
{
    ffnn_error err;
    cmd_out *o = cmd_outs_open(outs, path, &err);
    if (!o)
        return cmd_fail(&err);
    if (fwrite(text, 1, len, o->fp) != len)
        return cmd_write_error(path);
    return 0;
}

typedef struct {
    const char *algorithm, *objective;
    long max_epochs, factor, iterations, max_trials, executions;
} tuner_flags;

static int apply_flags(ffnn_hypergrid *g, const tuner_flags *f)
{
    if (f->algorithm) {
        int a = ffnn_tune_algorithm_parse(f->algorithm);
        if (a < 0)
            return cmd_usage_error("invalid algorithm '%s' (hyperband, random, grid or bayesian)",
                                   f->algorithm);
        g->tuner.algorithm = (ffnn_tune_algorithm)a;
    }
    if (f->objective) {
        if (strlen(f->objective) >= sizeof g->tuner.objective)
            return cmd_usage_error("objective name too long");
        snprintf(g->tuner.objective, sizeof g->tuner.objective, "%s", f->objective);
        g->tuner.direction = FFNN_MODE_AUTO;
    }
    if (f->max_epochs > 0)
        g->tuner.max_epochs = (int)f->max_epochs;
    if (f->factor > 0)
        g->tuner.factor = (int)f->factor;
    if (f->iterations > 0)
        g->tuner.hyperband_iterations = (int)f->iterations;
    if (f->max_trials >= 0)
        g->tuner.max_trials = (int)f->max_trials;
    if (f->executions > 0)
        g->tuner.executions_per_trial = (int)f->executions;
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        OPT_BEST = 256, OPT_JSON, OPT_TOP, OPT_OVERWRITE, OPT_SCHEDULE, OPT_INIT, OPT_PENDING,
        OPT_RUN_TRIAL, OPT_ALGORITHM, OPT_MAX_EPOCHS, OPT_FACTOR, OPT_ITERATIONS, OPT_OBJECTIVE,
        OPT_MAX_TRIALS, OPT_EXECUTIONS, OPT_BEST_MODEL, OPT_VALIDATION
    };
    static const struct option longopts[] = {
        {"hypergrid", required_argument, NULL, 'g'},
        {"dir", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'j'},
        {"seed", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 'T'},
        {"ignore", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"best-config", required_argument, NULL, OPT_BEST},
        {"best-model", required_argument, NULL, OPT_BEST_MODEL},
        {"validation", required_argument, NULL, OPT_VALIDATION},
        {"json", no_argument, NULL, OPT_JSON},
        {"top", required_argument, NULL, OPT_TOP},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"schedule", no_argument, NULL, OPT_SCHEDULE},
        {"init", no_argument, NULL, OPT_INIT},
        {"pending", no_argument, NULL, OPT_PENDING},
        {"run-trial", required_argument, NULL, OPT_RUN_TRIAL},
        {"algorithm", required_argument, NULL, OPT_ALGORITHM},
        {"max-epochs", required_argument, NULL, OPT_MAX_EPOCHS},
        {"factor", required_argument, NULL, OPT_FACTOR},
        {"iterations", required_argument, NULL, OPT_ITERATIONS},
        {"objective", required_argument, NULL, OPT_OBJECTIVE},
        {"max-trials", required_argument, NULL, OPT_MAX_TRIALS},
        {"executions", required_argument, NULL, OPT_EXECUTIONS},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"g:d:j:s:T:i:o:", longopts, CMD_VERBOSE | CMD_QUIET, usage};
    const char *grid_path = NULL, *dir = NULL, *target = NULL, *ignore = NULL, *output = NULL;
    const char *best_path = NULL, *validation = NULL;
    bool json = false, overwrite = false, schedule = false, init = false, pending = false;
    bool have_seed = false, trial_model = false;
    uint64_t seed = 0;
    long jobs = 0, top = 10, run_trial = -1;
    tuner_flags tf = {NULL, NULL, 0, 0, 0, -1, 0};
    int c, rc = 0;

    cmd_init(argv[0]);
    cmd_stop_hint = "; run the same command again to resume";
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 'g': grid_path = optarg; break;
        case 'd': dir = optarg; break;
        case 'j':
            if (!cmd_parse_long(optarg, 1, 4096, &jobs))
                return cmd_usage_error("invalid jobs '%s' (need an integer 1..4096)", optarg);
            break;
        case 's':
            if (!cmd_parse_u64(optarg, &seed) || seed > 9007199254740992ULL)
                return cmd_usage_error("invalid seed '%s' (need an integer 0..2^53)", optarg);
            have_seed = true;
            break;
        case 'T': target = optarg; break;
        case 'i': ignore = optarg; break;
        case 'o': output = optarg; break;
        case OPT_BEST: best_path = optarg; break;
        case OPT_VALIDATION: validation = optarg; break;
        case OPT_BEST_MODEL:
            if (strcmp(optarg, "refit") != 0 && strcmp(optarg, "trial") != 0)
                return cmd_usage_error("invalid best-model '%s' (refit or trial)", optarg);
            trial_model = optarg[0] == 't';
            break;
        case OPT_JSON: json = true; break;
        case OPT_TOP:
            if (!cmd_parse_long(optarg, 0, 1000000000L, &top))
                return cmd_usage_error("invalid top '%s' (need an integer 0..1000000000)", optarg);
            break;
        case OPT_OVERWRITE: overwrite = true; break;
        case OPT_SCHEDULE: schedule = true; break;
        case OPT_INIT: init = true; break;
        case OPT_PENDING: pending = true; break;
        case OPT_RUN_TRIAL:
            if (!cmd_parse_long(optarg, 0, 100000000L, &run_trial))
                return cmd_usage_error("invalid trial id '%s'", optarg);
            break;
        case OPT_ALGORITHM: tf.algorithm = optarg; break;
        case OPT_OBJECTIVE: tf.objective = optarg; break;
        case OPT_MAX_EPOCHS:
            if (!cmd_parse_long(optarg, 1, 1000000000L, &tf.max_epochs))
                return cmd_usage_error("invalid max-epochs '%s' (need an integer 1..1000000000)", optarg);
            break;
        case OPT_FACTOR:
            if (!cmd_parse_long(optarg, 2, 1000000000L, &tf.factor))
                return cmd_usage_error("invalid factor '%s' (need an integer 2..1000000000)", optarg);
            break;
        case OPT_ITERATIONS:
            if (!cmd_parse_long(optarg, 1, 1000000000L, &tf.iterations))
                return cmd_usage_error("invalid iterations '%s' (need an integer 1..1000000000)", optarg);
            break;
        case OPT_MAX_TRIALS:
            if (!cmd_parse_long(optarg, 0, 1000000000L, &tf.max_trials))
                return cmd_usage_error("invalid max-trials '%s' (need an integer 0..1000000000)", optarg);
            break;
        case OPT_EXECUTIONS:
            if (!cmd_parse_long(optarg, 1, 255, &tf.executions))
                return cmd_usage_error("invalid executions '%s' (need an integer 1..255)", optarg);
            break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    int nargs = argc - optind;
    int modes = schedule + init + pending + (run_trial >= 0);
    if (modes > 1)
        return cmd_usage_error("--schedule, --init, --pending and --run-trial exclude each other");

    ffnn_error err;
    ffnn_hypergrid grid;
    memset(&grid, 0, sizeof grid);
    char *dir_alloc = NULL;
    ffnn_tune *t = NULL;
    ffnn_config best;
    ffnn_model *model = NULL;
    bool have_best = false;
    cmd_outs outs = {.n = 0};   /* --best-config and -o, committed at the end */
    char *report = NULL;

    if (schedule) {
        if (!grid_path)
            return cmd_usage_error("--schedule needs -g HYPERGRID");
        if (nargs > 0)
            return cmd_usage_error("--schedule takes no file arguments");
        if (ffnn_hypergrid_load(&grid, grid_path, &err))
            return cmd_fail(&err);
        if ((rc = apply_flags(&grid, &tf)) == 0) {
            int w = ffnn_tune_schedule_write(&grid.tuner, ffnn_hypergrid_points(&grid), stdout);
            if ((rc = cmd_flush_stdout()) == 0 && w != 0)
                rc = cmd_failf(FFNN_EIO, "<stdout>: write error");
        }
        ffnn_hypergrid_release(&grid);
        return rc;
    }

    ffnn_tune_open_options oo;
    memset(&oo, 0, sizeof oo);
    const char *train = NULL;
    if (pending || run_trial >= 0) {
        if (nargs != 1)
            return cmd_usage_error("expected one DIR argument, got %d", nargs);
        if (grid_path || output || best_path || overwrite || validation)
            return cmd_usage_error("--pending and --run-trial take only DIR");
        oo.dir = argv[optind];
        oo.lock = pending ? FFNN_TUNE_LOCK_EXCLUSIVE : FFNN_TUNE_LOCK_SHARED;
    } else {
        if (nargs > 1)
            return cmd_usage_error("expected one TRAIN.csv argument, got %d", nargs);
        if (nargs == 1)
            train = argv[optind];
        if (!grid_path && !dir)
            return cmd_usage_error("-g HYPERGRID is required (or -d DIR of an existing search)");
        if (grid_path && !train)
            return cmd_usage_error("expected a TRAIN.csv argument");
        if (output && strcmp(output, "-") == 0)
            return cmd_usage_error("-o MODEL must be a file (standard output has the summary)");
        if (!grid_path && train)
            return cmd_usage_error("TRAIN.csv needs -g HYPERGRID");
        struct stat sb;
        if (train && (strcmp(train, "-") == 0 ||
                      (stat(train, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))))
            return cmd_usage_error("TRAIN.csv must be a file (the search keeps a copy)");
        if (validation && !train)
            return cmd_usage_error("--validation needs -g HYPERGRID and TRAIN.csv");
        if (validation && (strcmp(validation, "-") == 0 ||
                           (stat(validation, &sb) == 0 && !S_ISREG(sb.st_mode) &&
                            !S_ISDIR(sb.st_mode))))
            return cmd_usage_error("--validation FILE must be a file (the search keeps a copy)");
        if (init && !dir)
            return cmd_usage_error("--init needs -d DIR");
        oo.dir = dir ? dir : (dir_alloc = cmd_default_name(train, ".tune"));
        oo.train_path = train;
        oo.validation_path = validation;
        oo.create = grid_path != NULL;
        oo.overwrite = overwrite;
        oo.lock = FFNN_TUNE_LOCK_EXCLUSIVE;
    }
    if (!oo.dir)
        return cmd_nomem();
    oo.target = target;
    oo.ignore = ignore;
    oo.has_seed = have_seed;
    oo.seed = seed;
    oo.iterations = (int)tf.iterations;
    if (grid_path) {
        if (ffnn_hypergrid_load(&grid, grid_path, &err)) {
            rc = cmd_fail(&err);
            goto out;
        }
        if ((rc = apply_flags(&grid, &tf)))
            goto out;
        oo.grid = &grid;
        oo.grid_name = grid_path;
    } else if (tf.algorithm || tf.objective || tf.max_epochs || tf.factor || tf.max_trials >= 0 ||
               tf.executions || target || ignore || have_seed) {
        rc = cmd_usage_error("search settings need -g HYPERGRID (only --iterations may change a "
                             "stored search)");
        goto out;
    }
    const cmd_file files[] = {{"-o", output, true}, {"--best-config", best_path, true},
                              {"TRAIN.csv", train, false}, {"-g", grid_path, false},
                              {"--validation", validation, false}};
    if ((rc = cmd_check_distinct(files, 5)))
        goto out;
    if ((output && cmd_check_output(output, &err)) || (best_path && cmd_check_output(best_path, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (ffnn_tune_open(&t, &oo, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    cmd_warn_constant(ffnn_tune_prep(t), ffnn_tune_data_path(t));
    if (init) {
        int *ids, n;
        if (ffnn_tune_pending(t, &ids, &n, &err))
            rc = cmd_fail(&err);
        else
            free(ids);
        goto out;
    }
    if (pending) {
        int *ids, n;
        if (ffnn_tune_pending(t, &ids, &n, &err)) {
            rc = cmd_fail(&err);
            goto out;
        }
        for (int i = 0; i < n; i++)
            printf("%d\n", ids[i]);
        free(ids);
        rc = cmd_flush_stdout();
        goto out;
    }
    if (run_trial >= 0) {
        if (ffnn_tune_run_trial(t, (int)run_trial, &err))
            rc = cmd_fail(&err);
        goto out;
    }

    if (jobs <= 0)
        jobs = cmd_cpu_count();
    progress prog = {isatty(STDERR_FILENO) != 0, ffnn_tune_grid(t)->tuner.objective, time(NULL)};
    bool show = cmd_progress_enabled();
    ffnn_status st = ffnn_tune_run(t, (int)jobs, show ? on_trial : NULL, &prog, &err);
    if (show && prog.tty)
        fputs("\033[K", stderr);
    if (st) {
        rc = cmd_fail(&err);
        goto out;
    }
    /* The report is made in memory first, before any output file: out of
     * memory halfway through must leave neither half a report on standard
     * output nor the files. */
    if (json) {
        report = ffnn_tune_summary_json(t, (int)top);
    } else {
        size_t len;
        FILE *mem = open_memstream(&report, &len);
        bool ok = mem && print_text(t, (int)top, mem);
        if (mem && fclose(mem) != 0)
            ok = false;
        if (!ok) {
            free(report);
            report = NULL;
        }
    }
    if (!report) {
        rc = cmd_nomem();
        goto out;
    }
    if (output || best_path) {
        int best_id;
        if (ffnn_tune_best_config(t, &best, &best_id, &err)) {
            have_best = true;
            rc = cmd_fail(&err);
            goto out;
        }
        have_best = true;
        /* The best config and the model are renamed into place together,
         * after the summary is printed: a failure leaves neither. */
        if (best_path) {
            char *text = ffnn_config_to_json(&best);
            if (!text) {
                rc = cmd_nomem();
                goto out;
            }
            rc = write_text(&outs, best_path, text, strlen(text));
            free(text);
            if (rc)
                goto out;
        }
        if (output) {
            unsigned char *buf = NULL;
            size_t len = 0;
            if ((trial_model ? ffnn_tune_best_model(t, &model, NULL, &err)
                             : ffnn_train_file(&best, train ? train : ffnn_tune_data_path(t), NULL,
                                               NULL, &model, NULL, &err)) ||
                ffnn_model_serialize(model, &buf, &len, &err)) {
                rc = cmd_fail(&err);
                goto out;
            }
            rc = write_text(&outs, output, (const char *)buf, len);
            free(buf);
            if (rc)
                goto out;
        }
    }
    fputs(report, stdout);
    if (json)
        putchar('\n');
    rc = cmd_flush_stdout();
    if (!rc && cmd_outs_commit(&outs, &err))
        rc = cmd_fail(&err);
out:
    cmd_outs_abort(&outs);
    free(report);
    ffnn_model_destroy(model);
    if (have_best)
        ffnn_config_release(&best);
    ffnn_tune_close(t);
    ffnn_hypergrid_release(&grid);
    free(dir_alloc);
    return rc;
}
