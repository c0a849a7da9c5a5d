/* ffnn — export formats by name, and the one entry that picks the writer
 * (see export.h). */
#include "ffnn/export.h"

#include <string.h>

static const char *const format_names[FFNN_EXPORT_COUNT] = {
    [FFNN_EXPORT_ONNX] = "onnx",
};

/* The format's name, or "?" outside the enum. */
const char *ffnn_export_format_name(ffnn_export_format f)
{
    return (unsigned)f < FFNN_EXPORT_COUNT ? format_names[f] : "?";
}

/* The format named name; -1 if unknown or NULL. */
int ffnn_export_format_parse(const char *name)
{
    if (!name)
        return -1;
    for (int f = 0; f < FFNN_EXPORT_COUNT; f++)
        if (strcmp(name, format_names[f]) == 0)
            return f;
    return -1;
}

ffnn_status ffnn_export_serialize(const ffnn_model *m, ffnn_export_format f, unsigned char **buf,
                                  size_t *len, ffnn_error *err)
{
    *buf = NULL;
    *len = 0;
    switch (f) {
    case FFNN_EXPORT_ONNX: return ffnn_export_onnx(m, buf, len, err);
    default: return ffnn_error_set(err, FFNN_EINTERNAL, "unknown export format %d", (int)f);
    }
}
