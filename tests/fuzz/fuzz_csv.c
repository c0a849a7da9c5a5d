/* Fuzzes the CSV readers on arbitrary bytes: the whole-table reader
 * (ffnn_table_read, what split/train/tune/explain read) followed by what
 * training does with a table (ffnn_prep_fit, ffnn_data_from_table), and the
 * streaming reader (ffnn_csv_next, what predict reads) with the field
 * helpers applied to every field. */
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "ffnn/preprocess.h"
#include "fuzz.h"

static void fuzz_table(const uint8_t *data, size_t size)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_table t;
    ffnn_error err;
    if (ffnn_table_read(&t, fp, "fuzz.csv", true, &err) == 0) {
        ffnn_table_write(&t, fuzz_sink(), NULL, t.nrows);
        ffnn_prep_options opt = ffnn_prep_options_default();
        ffnn_prep p;
        if (ffnn_prep_fit(&p, &t, &opt, &err) == 0) {
            ffnn_data d;
            if (ffnn_data_from_table(&d, &p, &t, NULL, t.nrows, true, &err) == 0)
                ffnn_data_release(&d);
            ffnn_prep_release(&p);
        }
        opt.impute = FFNN_IMPUTE_MEAN;
        opt.task = FFNN_TASK_REGRESSION;
        if (ffnn_prep_fit(&p, &t, &opt, &err) == 0)
            ffnn_prep_release(&p);
        ffnn_table_release(&t);
    }
    fclose(fp);
}

static void fuzz_stream_reader(const uint8_t *data, size_t size)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_csv_reader *r;
    ffnn_error err;
    if (ffnn_csv_reader_create(&r, fp, "fuzz.csv", &err) == 0) {
        char **fields;
        int n;
        while (ffnn_csv_next(r, &fields, &n, &err) == 0 && n > 0) {
            for (int i = 0; i < n; i++) {
                double v;
                char buf[64];
                ffnn_parse_double(fields[i], &v);
                ffnn_csv_is_missing(fields[i]);
                ffnn_csv_show(buf, fields[i]);
                ffnn_csv_write_field(fuzz_sink(), fields[i]);
            }
            (void)ffnn_csv_line(r);
        }
        ffnn_csv_reader_destroy(r);
    }
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_table(data, size);
    fuzz_stream_reader(data, size);
    return 0;
}
