/* ffnn — what the model file's writer (model_io.c) and reader
 * (model_read.c) share.  Private to lib/. */
#ifndef FFNN_MODEL_IO_INTERNAL_H
#define FFNN_MODEL_IO_INTERNAL_H

#define MAX_HEADER 100000000ULL       /* safetensors' MAX_HEADER_SIZE */
#define MAX_OFFSET 281474976710655ULL /* 2^48 - 1: the schema's 48-bit integers */

/* The tensor dtypes ffnn writes and reads. */
enum { DT_F32, DT_F64 };

#endif
