/* Fuzzes the hypergrid parser (ffnn_hypergrid_parse) and what ffnn-tune
 * does next with a parsed grid: print it (ffnn_hypergrid_to_json, which
 * must parse again), size and sample every hyperparameter, and build a
 * trial config from sampled values (ffnn_tune_config). */
#include <cjson/cJSON.h>
#include "tune_internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    ffnn_hypergrid g, g2;
    ffnn_error err;
    if (ffnn_hypergrid_parse(&g, text, "fuzz.json", &err) == 0) {
        char *again = ffnn_hypergrid_to_json(&g);
        if (!again)
            abort();
        if (ffnn_hypergrid_parse(&g2, again, "again.json", &err) != 0) {
            fprintf(stderr, "hypergrid printed by ffnn_hypergrid_to_json does not parse: %s\n%s\n",
                    err.msg, again);
            abort();
        }
        ffnn_hypergrid_release(&g2);
        free(again);
        cJSON *values = cJSON_CreateObject();
        for (int i = 0; i < g.n_hp; i++) {
            const ffnn_hp *hp = &g.hp[i];
            long n = ffnn_hp_grid_size(hp);
            cJSON_Delete(ffnn_hp_value(hp, 0.0));
            cJSON_Delete(ffnn_hp_value(hp, 0.999999));
            if (n > 0)
                cJSON_Delete(ffnn_hp_grid_value(hp, n - 1));
            cJSON_AddItemToObject(values, hp->name, ffnn_hp_value(hp, 0.5));
        }
        ffnn_config cfg;
        ffnn_tune_config(&g, values, 1, true, &cfg, &err);
        ffnn_config_release(&cfg);
        ffnn_tune_config(&g, values, 1, false, &cfg, &err);
        ffnn_config_release(&cfg);
        cJSON_Delete(values);
        ffnn_hypergrid_release(&g);
    }
    free(text);
    return 0;
}
