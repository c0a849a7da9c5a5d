/* Fuzzes the readers of ffnn-eval: the predictions CSV
 * (ffnn_eval_data_read, in one of the three task modes) followed by every
 * metric and both reports, or the training-history CSV
 * (ffnn_eval_table_read).  The input's length modulo 4 picks which, so that
 * each execution reads the input once: a CSV read allocates buffers large
 * enough (256 KB, 1 MB) that ASan maps and unmaps them every time, which
 * dominates the cost.  The SVG charts are output, not parsing, and cost
 * O(classes^2) text; they are left out. */
#include "ffnn/eval.h"
#include "fuzz.h"

static void fuzz_predictions(const uint8_t *data, size_t size, ffnn_eval_mode mode)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_eval_read_options opt = {NULL, mode};
    ffnn_eval_data d;
    ffnn_error err;
    if (ffnn_eval_data_read(&d, fp, "fuzz.csv", &opt, &err) == 0) {
        ffnn_eval_result r;
        if (ffnn_eval_compute(&r, &d, &err) == 0) {
            FILE *sink = fuzz_sink();
            ffnn_eval_write_report(sink, &r, &d);
            ffnn_eval_write_json(sink, &r, &d);
            double v;
            ffnn_eval_metric(&r, &d, "f1_macro", &v, &err);
            if (d.task != FFNN_EVAL_REGRESSION && d.k > 0) {
                char name[300];
                snprintf(name, sizeof name, "recall:%s", d.classes[d.k - 1]);
                ffnn_eval_metric(&r, &d, name, &v, &err);
            }
            ffnn_eval_result_release(&r);
        }
        ffnn_eval_data_release(&d);
    }
    fclose(fp);
}

static void fuzz_history(const uint8_t *data, size_t size)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_eval_table t;
    ffnn_error err;
    if (ffnn_eval_table_read(&t, fp, "history.csv", &err) == 0)
        ffnn_eval_table_release(&t);
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    switch (size % 4) {
    case 0: fuzz_predictions(data, size, FFNN_EVAL_AUTO); break;
    case 1: fuzz_predictions(data, size, FFNN_EVAL_FORCE_CLASSIFICATION); break;
    case 2: fuzz_predictions(data, size, FFNN_EVAL_FORCE_REGRESSION); break;
    default: fuzz_history(data, size); break;
    }
    return 0;
}
