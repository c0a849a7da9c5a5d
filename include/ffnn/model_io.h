/* ffnn — the model file: a safetensors container (ffnn-model(5)).
 *
 * Tensors: layers.{i}.weight F32 [out,in], layers.{i}.bias F32 [out],
 * input.mean F32 [d], input.scale F32 [d], input.fill F64 [columns] (mean
 * imputation values; present when imputation is on).  __metadata__:
 * format="ffnn", ffnn.version="1", ffnn.model=<JSON: architecture, task,
 * loss, feature columns with categories, target, classes, preprocessing
 * flags, training summary>, ffnn.sha256=<hex SHA-256 of the tensor bytes>.
 * The header is padded with spaces so the data starts 8-byte aligned;
 * tensors are laid out in name order.  Same model -> same bytes.
 */
#ifndef FFNN_MODEL_IO_H
#define FFNN_MODEL_IO_H

#include <stdio.h>
#include <stddef.h>
#include "ffnn/error.h"
#include "ffnn/model.h"

/* Version 2 adds ffnn.model_sha256 (the header's model document is
 * checksummed too, not only the tensor data); version 1 files still load. */
#define FFNN_MODEL_VERSION "2"

/* Serialises m into a malloc'd buffer (*buf, *len). */
ffnn_status ffnn_model_serialize(const ffnn_model *m, unsigned char **buf, size_t *len,
                                 ffnn_error *err);
/* Parses and validates a buffer: every safetensors rule (header bounds, JSON
 * shape, dtypes, offsets tiling the buffer exactly, sizes matching shapes,
 * nothing trailing), duplicate keys, format and version, the checksum, and
 * tensor shapes against the architecture.  Failures are FFNN_EDATA with one
 * line "<name>: <what is wrong>". */
ffnn_status ffnn_model_deserialize(ffnn_model **out, const unsigned char *buf, size_t len,
                                   const char *name, ffnn_error *err);

/* The model's checksum: the ffnn.sha256 its model file carries (hex SHA-256
 * of the tensor bytes as ffnn_model_serialize lays them out; the same for
 * the file m was loaded from).  Errors as ffnn_model_serialize's. */
ffnn_status ffnn_model_sha256(const ffnn_model *m, char out[65], ffnn_error *err);

/* Writes atomically and durably (ffnn_file_write_atomic): failure to create
 * is FFNN_ECANTCREAT, to write FFNN_EIO; no partial file remains. */
ffnn_status ffnn_model_save(const ffnn_model *m, const char *path, ffnn_error *err);
/* Reads path: missing -> FFNN_ENOINPUT, then ffnn_model_deserialize. */
ffnn_status ffnn_model_load(ffnn_model **out, const char *path, ffnn_error *err);

/* Hex SHA-256 of len bytes (65-byte out). */
void ffnn_sha256_hex(const void *data, size_t len, char out[65]);

#endif
