#!/usr/bin/env python3
"""Writes tiny.ffnn from the safetensors spec and the ffnn convention
(ffnn-model(5)) with the Python standard library only, as an independent
check of lib/model_io.c: ffnn must load this file and write it back byte for
byte.  Run from this directory: python3 make_tiny.py"""
import hashlib
import json
import struct

model = {
    "n_in": 2,
    "layers": [{"units": 3, "activation": "relu", "dropout": 0},
               {"units": 1, "activation": "sigmoid", "dropout": 0}],
    "loss": {"name": "binary_crossentropy", "from_logits": False, "huber_delta": 1, "tf_cached_logits": False},
    "kernel_initializer": "glorot_uniform",
    "l2": 0,
    "task": "binary",
    "target": "label",
    "classes": ["no", "yes"],
    "standardize": True,
    "impute": "mean",
    "columns": [{"name": "a", "categorical": False, "categories": []},
                {"name": "b", "categorical": False, "categories": []}],
    "training": {"seed": 7, "epochs_run": 3},
}
tensors = {  # name: (dtype, shape, values)
    "layers.0.weight": ("F32", [3, 2], [0.25, 0.5, -1, 2, 0, 0.125]),
    "layers.0.bias": ("F32", [3], [0, 0.5, -0.5]),
    "layers.1.weight": ("F32", [1, 3], [1, -1, 0.75]),
    "layers.1.bias": ("F32", [1], [-0.25]),
    "input.mean": ("F32", [2], [1.5, -2]),
    "input.scale": ("F32", [2], [0.5, 4]),
    "input.fill": ("F64", [2], [1.5, -2]),
}
data = b""
entries = {}
for name in sorted(tensors):
    dtype, shape, values = tensors[name]
    raw = struct.pack("<%d%s" % (len(values), "f" if dtype == "F32" else "d"), *values)
    entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
compact = dict(separators=(",", ":"), ensure_ascii=False)
model_text = json.dumps(model, **compact)
header = {"__metadata__": {"format": "ffnn", "ffnn.version": "2",
                           "ffnn.model": model_text,
                           "ffnn.model_sha256": hashlib.sha256(model_text.encode()).hexdigest(),
                           "ffnn.sha256": hashlib.sha256(data).hexdigest()}}
header.update(entries)
text = json.dumps(header, **compact).encode()
text += b" " * (-len(text) % 8)
with open("tiny.ffnn", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
