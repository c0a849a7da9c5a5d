/* ffnn-info — what a model file holds: a Keras-style summary and metadata. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... MODEL\n"
           "Print a model's layers, output shapes and parameter counts (like Keras's\n"
           "model.summary()), then its preprocessing, classes and training summary.\n\n"
           "  -j, --json             print the same as one JSON object\n",
           progname);
    cmd_help_common(0, 22);
    printf("\nExit status: 0 ok, 64 usage, 65 bad model file, 66 missing, 71 out of memory,\n"
           "74 write error (see ffnn(7)).\n");
}

/* The --json object: the text (malloc'd), or NULL when out of memory. */
static char *info_json(const ffnn_model *m)
{
    const ffnn_prep *p = &m->prep;
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, NULL, 2);
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "task", ffnn_task_name(p->task));
    ffnn_json_key_string(&w, "target", p->target ? p->target : "");
    if (p->task != FFNN_TASK_REGRESSION) {
        ffnn_json_key(&w, "classes");
        ffnn_json_string_array(&w, p->classes, p->n_classes);
    }
    ffnn_json_key(&w, "columns");
    ffnn_json_begin_array(&w, false);
    for (int i = 0; i < p->n_columns; i++) {
        const ffnn_prep_column *col = &p->columns[i];
        ffnn_json_begin_object(&w, false);
        ffnn_json_key_string(&w, "name", col->name);
        ffnn_json_key_string(&w, "kind", col->categorical ? "categorical" : "numeric");
        if (col->categorical) {
            ffnn_json_key(&w, "categories");
            ffnn_json_string_array(&w, col->cats, col->n_cats);
        }
        ffnn_json_end_object(&w);
    }
    ffnn_json_end_array(&w);
    ffnn_json_key_int(&w, "inputs", m->n_in);
    ffnn_json_key(&w, "standardize");
    ffnn_json_bool(&w, p->standardize);
    ffnn_json_key_string(&w, "impute", ffnn_impute_name(p->impute));
    ffnn_json_key(&w, "layers");
    ffnn_json_begin_array(&w, false);
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        const ffnn_layer_spec *L = &m->layers[l];
        ffnn_json_begin_object(&w, false);
        ffnn_json_key_int(&w, "units", L->units);
        ffnn_json_key_string(&w, "activation", ffnn_act_name(L->activation));
        ffnn_json_key(&w, "dropout");
        ffnn_json_float(&w, L->dropout);
        ffnn_json_key_int(&w, "params", (long long)in * L->units + L->units);
        ffnn_json_end_object(&w);
        in = L->units;
    }
    ffnn_json_end_array(&w);
    ffnn_json_key_int(&w, "params", (long long)m->n_params);
    ffnn_json_key_string(&w, "loss", ffnn_loss_name(m->loss.kind));
    ffnn_json_key_string(&w, "kernel_initializer", ffnn_init_name(m->kernel_initializer));
    if (m->train_info) {
        /* JSON the model loader has already parsed once, so failing to
         * parse it again means out of memory. */
        cJSON *t = cJSON_Parse(m->train_info);
        if (!t) {
            free(ffnn_json_writer_text(&w));
            return NULL;
        }
        ffnn_json_key(&w, "training");
        ffnn_json_tree(&w, t);
        cJSON_Delete(t);
    }
    ffnn_json_end_object(&w);
    return ffnn_json_writer_text(&w);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"j", longopts, 0, usage};
    bool json = false;
    int c, rc = 0;
    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("expected one MODEL argument, got %d", argc - optind);
    ffnn_error err;
    ffnn_model *m;
    if (ffnn_model_load(&m, argv[optind], &err))
        return cmd_fail(&err);
    if (json) {
        char *s = info_json(m);
        if (!s) {
            ffnn_model_destroy(m);
            return cmd_nomem();
        }
        puts(s);
        free(s);
    } else {
        const ffnn_prep *p = &m->prep;
        ffnn_model_summary(m, stdout);
        printf("\nTask:       %s", ffnn_task_name(p->task));
        if (p->task != FFNN_TASK_REGRESSION) {
            printf(", %d classes:", p->n_classes);
            for (int k = 0; k < p->n_classes; k++)
                printf(" %s", p->classes[k]);
        }
        printf("\nTarget:     %s\n", p->target ? p->target : "");
        printf("Loss:       %s%s\n", ffnn_loss_name(m->loss.kind), m->loss.from_logits ? " (from logits)" : "");
        printf("Features:   %d columns -> %d inputs; standardize %s; impute %s\n", p->n_columns, m->n_in,
               p->standardize ? "on" : "off", ffnn_impute_name(p->impute));
        for (int i = 0; i < p->n_columns; i++) {
            const ffnn_prep_column *col = &p->columns[i];
            int f = col->offset;
            if (col->categorical) {
                printf("  %-28s categorical:", col->name);
                for (int k = 0; k < col->n_cats; k++)
                    printf(" %s", col->cats[k]);
                putchar('\n');
            } else {
                printf("  %-28s numeric (mean %.6g, scale %.6g)\n", col->name, (double)p->mean[f],
                       (double)p->scale[f]);
            }
        }
        if (m->train_info)
            printf("Training:   %s\n", m->train_info);
    }
    ffnn_model_destroy(m);
    return cmd_flush_stdout();
}
