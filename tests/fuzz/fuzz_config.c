/* Fuzzes the training config parser (ffnn_config_parse).  A config that
 * parses must print (ffnn_config_to_json) to text that parses again, as the
 * header promises. */
#include "ffnn/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    ffnn_config c = ffnn_config_default();
    ffnn_error err;
    if (ffnn_config_parse(&c, text, "fuzz.json", &err) == 0) {
        char *again = ffnn_config_to_json(&c);
        if (!again)
            abort();
        ffnn_config c2 = ffnn_config_default(), c3;
        if (ffnn_config_parse(&c2, again, "again.json", &err) != 0) {
            fprintf(stderr, "config printed by ffnn_config_to_json does not parse: %s\n%s\n",
                    err.msg, again);
            abort();
        }
        if (ffnn_config_copy(&c3, &c2, &err) == 0)
            ffnn_config_release(&c3);
        ffnn_config_release(&c2);
        free(again);
    }
    ffnn_config_release(&c);
    free(text);
    return 0;
}
