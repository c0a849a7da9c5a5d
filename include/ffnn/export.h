/* ffnn — a model in another format (ffnn-export(1)).
 *
 * ONNX: the whole model as one graph, preprocessing included, so that raw
 * feature values in give what ffnn-predict gives out.
 *
 *   inputs   X  tensor(double) [N, numeric columns]   NaN = missing
 *            C  tensor(string) [N, categorical columns]
 *            (each present only when the model has such columns; their
 *            column order is the model's, named in the metadata)
 *   graph    one-hot encoding of C (ai.onnx.ml OneHotEncoder, unknown or
 *            missing categories as all zeros), the columns put in the
 *            model's feature order, standardisation (x - mean) / scale in
 *            double and one rounding to float as ffnn does, mean imputation
 *            (ai.onnx.ml Imputer on the standardised fill values), then every
 *            Dense layer as Gemm and its activation (Gelu and swish from
 *            Erf, Sigmoid and Mul; Dropout is left out, as at inference)
 *   outputs  classification: label [N] (int64 when every class name is an
 *            integer, else string) and probabilities float [N, classes];
 *            regression: value float [N]
 *   metadata ffnn.version, ffnn.sha256 (the model's checksum), ffnn.task,
 *            ffnn.target, ffnn.features, ffnn.numeric_features,
 *            ffnn.categorical_features, ffnn.classes (JSON arrays)
 *
 * IR version 7, opsets ai.onnx 13 and ai.onnx.ml 2 (ONNX 1.8's pair): opset
 * 13 is the first where Softmax normalises along one axis, as the graph
 * means it; every other operator used is older.  Every runtime since ONNX
 * Runtime 1.6 reads it (its version table: opset 13, ML opset 2, IR 7), and
 * it is inside what Debian's onnx 1.12 checks (IR 8, opset 17).
 */
#ifndef FFNN_EXPORT_H
#define FFNN_EXPORT_H

#include <stddef.h>
#include "ffnn/error.h"
#include "ffnn/model.h"

#define FFNN_ONNX_IR_VERSION 7
#define FFNN_ONNX_OPSET 13
#define FFNN_ONNX_ML_OPSET 2

typedef enum {
    FFNN_EXPORT_ONNX = 0,
    FFNN_EXPORT_COUNT
} ffnn_export_format;

/* "onnx"; "?" outside the enum. */
const char *ffnn_export_format_name(ffnn_export_format f);
/* The format named name, or -1 if unknown (or NULL). */
int ffnn_export_format_parse(const char *name);

/* Serialises m in format f into a malloc'd buffer (*buf, *len; the caller
 * frees *buf).  The same model gives the same bytes.  Errors: FFNN_ENOMEM,
 * FFNN_EDATA when the model holds what the format cannot express (a
 * non-finite weight), FFNN_EINTERNAL for an unknown format. */
ffnn_status ffnn_export_serialize(const ffnn_model *m, ffnn_export_format f, unsigned char **buf,
                                  size_t *len, ffnn_error *err);

/* The ONNX ModelProto described above (ffnn_export_serialize's onnx case). */
ffnn_status ffnn_export_onnx(const ffnn_model *m, unsigned char **buf, size_t *len,
                             ffnn_error *err);

#endif
