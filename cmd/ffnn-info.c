/* ffnn-info — what a model file holds: a Keras-style summary and metadata. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "ffnn/model_io.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... MODEL\n"
           "Print a model's layers, output shapes and parameter counts (like Keras's\n"
           "model.summary()), then its preprocessing, classes and training summary.\n\n"
           "  -j, --json             print the same as one JSON object\n"
           "  -h, --help             show this help and exit\n"
           "      --version          show the version and exit\n\n"
           "Exit status: 0 ok, 64 usage, 65 bad model file, 66 missing, 71 out of memory,\n"
           "74 write error (see ffnn(7)).\n",
           progname);
}

static cJSON *info_json(const ffnn_model *m)
{
    const ffnn_prep *p = &m->prep;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "task", ffnn_task_name(p->task));
    cJSON_AddStringToObject(o, "target", p->target ? p->target : "");
    if (p->task != FFNN_TASK_REGRESSION) {
        cJSON *cl = cJSON_AddArrayToObject(o, "classes");
        for (int k = 0; k < p->n_classes; k++)
            cJSON_AddItemToArray(cl, cJSON_CreateString(p->classes[k]));
    }
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    for (int i = 0; i < p->n_columns; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", p->columns[i].name);
        cJSON_AddStringToObject(c, "kind", p->columns[i].categorical ? "categorical" : "numeric");
        if (p->columns[i].categorical) {
            cJSON *cats = cJSON_AddArrayToObject(c, "categories");
            for (int k = 0; k < p->columns[i].n_cats; k++)
                cJSON_AddItemToArray(cats, cJSON_CreateString(p->columns[i].cats[k]));
        }
        cJSON_AddItemToArray(cols, c);
    }
    cJSON_AddNumberToObject(o, "inputs", m->n_in);
    cJSON_AddBoolToObject(o, "standardize", p->standardize);
    cJSON_AddStringToObject(o, "impute", ffnn_impute_name(p->impute));
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        cJSON *L = cJSON_CreateObject();
        cJSON_AddNumberToObject(L, "units", m->layers[l].units);
        cJSON_AddStringToObject(L, "activation", ffnn_act_name(m->layers[l].activation));
        cJSON_AddNumberToObject(L, "dropout", m->layers[l].dropout);
        cJSON_AddNumberToObject(L, "params", (double)in * m->layers[l].units + m->layers[l].units);
        cJSON_AddItemToArray(layers, L);
        in = m->layers[l].units;
    }
    cJSON_AddNumberToObject(o, "params", (double)m->n_params);
    cJSON_AddStringToObject(o, "loss", ffnn_loss_name(m->loss.kind));
    cJSON_AddStringToObject(o, "kernel_initializer", ffnn_init_name(m->kernel_initializer));
    if (m->train_info) {
        cJSON *t = cJSON_Parse(m->train_info);
        if (t)
            cJSON_AddItemToObject(o, "training", t);
    }
    return o;
}

int main(int argc, char **argv)
{
    enum { OPT_VERSION = 256 };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    cmd_init(argv[0]);
    while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': usage(); return 0;
        case OPT_VERSION: cmd_version(); return 0;
        default: return cmd_bad_option(c, argv);
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("expected one MODEL argument, got %d", argc - optind);
    ffnn_error err;
    ffnn_model *m;
    if (ffnn_model_load(&m, argv[optind], &err))
        return cmd_fail(&err);
    cJSON *o = info_json(m);
    if (json) {
        char *s = cJSON_Print(o);
        if (s)
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
    cJSON_Delete(o);
    ffnn_model_destroy(m);
    if (fflush(stdout) != 0 || ferror(stdout))
        return cmd_failf(74, "<stdout>: write error: %s", strerror(errno));
    return 0;
}
