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

/* Adds a string to array a; false when out of memory. */
static bool add_string(cJSON *a, const char *s)
{
    cJSON *x = cJSON_CreateString(s);
    if (!x || !cJSON_AddItemToArray(a, x)) {
        cJSON_Delete(x);
        return false;
    }
    return true;
}

/* The --json object; NULL when out of memory. */
static cJSON *info_json(const ffnn_model *m)
{
    const ffnn_prep *p = &m->prep;
    cJSON *o = cJSON_CreateObject(), *a = NULL, *c = NULL, *L = NULL;
    bool ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "task", ffnn_task_name(p->task));
    ok = ok && cJSON_AddStringToObject(o, "target", p->target ? p->target : "");
    if (ok && p->task != FFNN_TASK_REGRESSION) {
        ok = (a = cJSON_AddArrayToObject(o, "classes")) != NULL;
        for (int k = 0; ok && k < p->n_classes; k++)
            ok = add_string(a, p->classes[k]);
    }
    ok = ok && (a = cJSON_AddArrayToObject(o, "columns"));
    for (int i = 0; ok && i < p->n_columns; i++) {
        ok = (c = cJSON_CreateObject()) && cJSON_AddItemToArray(a, c);
        ok = ok && cJSON_AddStringToObject(c, "name", p->columns[i].name);
        ok = ok && cJSON_AddStringToObject(c, "kind", p->columns[i].categorical ? "categorical" : "numeric");
        if (ok && p->columns[i].categorical) {
            cJSON *cats = cJSON_AddArrayToObject(c, "categories");
            ok = cats != NULL;
            for (int k = 0; ok && k < p->columns[i].n_cats; k++)
                ok = add_string(cats, p->columns[i].cats[k]);
        }
    }
    ok = ok && cJSON_AddNumberToObject(o, "inputs", m->n_in);
    ok = ok && cJSON_AddBoolToObject(o, "standardize", p->standardize);
    ok = ok && cJSON_AddStringToObject(o, "impute", ffnn_impute_name(p->impute));
    ok = ok && (a = cJSON_AddArrayToObject(o, "layers"));
    int in = m->n_in;
    for (int l = 0; ok && l < m->n_layers; l++) {
        ok = (L = cJSON_CreateObject()) && cJSON_AddItemToArray(a, L);
        ok = ok && cJSON_AddNumberToObject(L, "units", m->layers[l].units);
        ok = ok && cJSON_AddStringToObject(L, "activation", ffnn_act_name(m->layers[l].activation));
        ok = ok && cJSON_AddNumberToObject(L, "dropout", m->layers[l].dropout);
        ok = ok && cJSON_AddNumberToObject(L, "params", (double)in * m->layers[l].units + m->layers[l].units);
        in = m->layers[l].units;
    }
    ok = ok && cJSON_AddNumberToObject(o, "params", (double)m->n_params);
    ok = ok && cJSON_AddStringToObject(o, "loss", ffnn_loss_name(m->loss.kind));
    ok = ok && cJSON_AddStringToObject(o, "kernel_initializer", ffnn_init_name(m->kernel_initializer));
    /* train_info is JSON the model loader has already parsed once, so
     * failing to parse it again means out of memory. */
    if (ok && m->train_info)
        ok = ffnn_json_add(o, "training", cJSON_Parse(m->train_info));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
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
        cJSON *o = info_json(m);
        char *s = o ? cJSON_Print(o) : NULL;
        cJSON_Delete(o);
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
