/* Fuzzes the readers of a tune directory's state files, chosen by the
 * input's first byte:
 *   'S'  search.json (ffnn_tune_search_parse: format, version, data hash,
 *        the stored hypergrid);
 *   'H', 'R', 'G'  oracle.json (ffnn_tune_oracle_parse) for a Hyperband,
 *        random or grid search, with no trial files (every trial comes from
 *        the "pending" list), then what a resumed ffnn-tune does next:
 *        checkpoint cleanup, ranking, and ffnn_oracle_advance;
 *   anything else  a trial file trials/0000.json, written to a scratch
 *        directory (in /dev/shm, else $TMPDIR or /tmp; removed at exit:
 *        on a disk file system rewriting it cost more than the parsing)
 *        and read back by a
 *        Hyperband oracle.json that has one trial and has finished, then
 *        resumed as above.
 * The rest of the input is the file's text. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tune_internal.h"
#include "fuzz.h"

static const char *const grids[3] = {
    "{\"hypergrid\":{\"width\":{\"min\":4,\"max\":16,\"step\":4},\"droprate\":{\"min\":0,\"max\":0.5}},"
    "\"tuner\":{\"algorithm\":\"hyperband\",\"max_epochs\":9,\"factor\":3,\"hyperband_iterations\":2}}",
    "{\"hypergrid\":{\"width\":{\"min\":4,\"max\":16,\"step\":4},\"droprate\":{\"min\":0,\"max\":0.5}},"
    "\"tuner\":{\"algorithm\":\"random\",\"max_epochs\":5,\"max_trials\":6}}",
    "{\"hypergrid\":{\"width\":{\"min\":4,\"max\":16,\"step\":4},\"depth\":{\"values\":[1,2]}},"
    "\"tuner\":{\"algorithm\":\"grid\",\"max_epochs\":5}}",
};

static char scratch[4096], scratch_trials[4200], scratch_file[4300];

static void remove_scratch(void)
{
    unlink(scratch_file);
    rmdir(scratch_trials);
    rmdir(scratch);
}

/* A directory holding trials/ for the trial-file mode. */
static const char *scratch_dir(void)
{
    if (!scratch[0]) {
        const char *tmp = getenv("TMPDIR");
        struct stat sb;
        if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
            tmp = "/dev/shm";
        snprintf(scratch, sizeof scratch, "%s/ffnn-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch))
            abort();
        snprintf(scratch_trials, sizeof scratch_trials, "%s/trials", scratch);
        snprintf(scratch_file, sizeof scratch_file, "%s/0000.json", scratch_trials);
        if (mkdir(scratch_trials, 0700) != 0)
            abort();
        atexit(remove_scratch);
    }
    return scratch;
}

/* One tune handle per grid (and one for the trial-file mode), built once.
 * Their directory does not exist, except the trial-file mode's, so trial
 * files and checkpoints are missing. */
static ffnn_tune *tune_for(int which)
{
    static ffnn_tune tunes[4];
    static bool ready[4];
    ffnn_tune *t = &tunes[which];
    if (!ready[which]) {
        ffnn_error err;
        static char dir[] = "/nonexistent/ffnn-fuzz-tune";
        t->dir = which == 3 ? (char *)scratch_dir() : dir;
        t->lock_fd = -1;
        if (ffnn_hypergrid_parse(&t->grid, grids[which == 3 ? 0 : which], "grid", &err) != 0) {
            fprintf(stderr, "fuzz_tune_state: %s\n", err.msg);
            abort();
        }
        t->direction = FFNN_MODE_MAX;
        ready[which] = true;
    }
    ffnn_oracle_init(&t->oracle, &t->grid, t->direction);
    return t;
}

/* What ffnn_tune_open and ffnn_tune_run do with a loaded oracle. */
static void resume(ffnn_tune *t)
{
    ffnn_oracle *o = &t->oracle;
    ffnn_error err;
    ffnn_oracle_resume(o);
    ffnn_tune_cleanup_checkpoints(t);
    int *order = malloc(((size_t)o->n_trials + 1) * sizeof *order);
    if (!order)
        abort();
    ffnn_oracle_ranking(o, order);
    free(order);
    ffnn_oracle_finished(o);
    ffnn_oracle_failure_run(o, 3, NULL);
    int n_new;
    ffnn_oracle_advance(o, &n_new, &err);
    /* The runner's draws ahead and their expected ids. */
    for (int k = 0; k < 2; k++) {
        ffnn_oracle_draw_ahead(o, &n_new, &err);
        ffnn_oracle_expect_ids(o);
    }
    ffnn_oracle_advance(o, &n_new, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fuzz_text(data + 1, size - 1);
    ffnn_error err;
    switch (data[0]) {
    case 'S': {
        ffnn_hypergrid g;
        memset(&g, 0, sizeof g);
        ffnn_tune_hashes hash;
        ffnn_tune_search_parse(text, "search.json", &g, &hash, &err);
        ffnn_hypergrid_release(&g);
        break;
    }
    case 'H':
    case 'R':
    case 'G': {
        ffnn_tune *t = tune_for(data[0] == 'H' ? 0 : data[0] == 'R' ? 1 : 2);
        if (ffnn_tune_oracle_parse(t, text, "oracle.json", &err) == 0)
            resume(t);
        ffnn_oracle_release(&t->oracle);
        break;
    }
    default: {
        ffnn_tune *t = tune_for(3);
        FILE *fp = fopen(scratch_file, "w");
        if (!fp || fwrite(text, 1, strlen(text), fp) != strlen(text) || fclose(fp) != 0)
            abort();
        if (ffnn_tune_oracle_parse(t, "{\"trials\":1,\"iteration\":2,\"bracket\":2,\"round\":0,"
                                      "\"done\":true}", "oracle.json", &err) == 0)
            resume(t);
        ffnn_oracle_release(&t->oracle);
        break;
    }
    }
    free(text);
    return 0;
}
