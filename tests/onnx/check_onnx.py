"""Checks an ffnn-export file with Debian's python3-onnx (1.12), for
tests/cli/test_export.sh: prints "ok - ..." / "not ok - ..." lines.

    /usr/bin/python3 check_onnx.py NAME MODEL.onnx MODEL.ffnn INFO.json VERSION

- onnx.checker.check_model(full_check=True): the IR rules, every node against
  its operator schema, and strict shape inference;
- IR version 7, opsets ai.onnx 13 (and ai.onnx.ml 2 when used);
- the metadata against the model file (ffnn.sha256 from its safetensors
  header, read here with struct + json) and against `ffnn-info --json`
  (INFO.json: feature columns and kinds, task, target, classes), and
  ffnn.version against VERSION (`ffnn-export --version`);
- inputs X (double) and C (string) with the model's column counts; outputs
  label (int64 when every class is an integer, else string) and
  probabilities [N, classes], or value [N];
- no Dropout node, one Gemm per Dense layer.
"""
import json
import struct
import sys

import onnx
from onnx import TensorProto

name, onnx_path, ffnn_path, info_path, version = sys.argv[1:6]
bad = 0


def check(what, cond, detail=""):
    global bad
    if cond:
        print(f"ok - {name}: {what}")
    else:
        bad = 1
        print(f"not ok - {name}: {what}{': ' + str(detail) if detail else ''}")


m = onnx.load(onnx_path)
try:
    onnx.checker.check_model(m, full_check=True)
    check("onnx.checker.check_model(full_check=True) passes", True)
except Exception as e:  # the checker's own exception types vary by version
    check("onnx.checker.check_model(full_check=True) passes", False, str(e).splitlines()[0])

info = json.load(open(info_path))
with open(ffnn_path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
file_sha = header["__metadata__"]["ffnn.sha256"]

meta = {p.key: p.value for p in m.metadata_props}
opsets = {o.domain: o.version for o in m.opset_import}
uses_ml = any(nd.domain == "ai.onnx.ml" for nd in m.graph.node)
want_opsets = {"": 13, **({"ai.onnx.ml": 2} if uses_ml else {})}
check("IR version 7", m.ir_version == 7, m.ir_version)
check("opsets ai.onnx 13 (ai.onnx.ml 2 when used)", opsets == want_opsets, opsets)
check("producer ffnn " + version, (m.producer_name, m.producer_version) == ("ffnn", version))
check("ffnn.version is the program's", meta.get("ffnn.version") == version, meta.get("ffnn.version"))
check("ffnn.sha256 is the model file's", meta.get("ffnn.sha256") == file_sha, (meta.get("ffnn.sha256"), file_sha))
check("ffnn.task and ffnn.target", (meta.get("ffnn.task"), meta.get("ffnn.target")) == (info["task"], info["target"]))
cols = info["columns"]
numeric = [c["name"] for c in cols if c["kind"] == "numeric"]
categorical = [c["name"] for c in cols if c["kind"] == "categorical"]
check("ffnn.features", json.loads(meta.get("ffnn.features", "null")) == [c["name"] for c in cols])
check("ffnn.numeric_features", json.loads(meta.get("ffnn.numeric_features", "null")) == numeric)
check("ffnn.categorical_features", json.loads(meta.get("ffnn.categorical_features", "null")) == categorical)
regression = info["task"] == "regression"
if regression:
    check("no ffnn.classes for regression", "ffnn.classes" not in meta)
else:
    check("ffnn.classes", json.loads(meta.get("ffnn.classes", "null")) == info["classes"])


def sig(vi):
    t = vi.type.tensor_type
    dims = [d.dim_param or d.dim_value for d in t.shape.dim]
    return (vi.name, t.elem_type, dims)


want_in = []
if numeric:
    want_in.append(("X", TensorProto.DOUBLE, ["N", len(numeric)]))
if categorical:
    want_in.append(("C", TensorProto.STRING, ["N", len(categorical)]))
check("inputs", [sig(v) for v in m.graph.input] == want_in, [sig(v) for v in m.graph.input])
if regression:
    want_out = [("value", TensorProto.FLOAT, ["N"])]
else:
    try:
        [int(c) for c in info["classes"]]
        integer = all(str(int(c)) == c for c in info["classes"])
    except ValueError:
        integer = False
    want_out = [("label", TensorProto.INT64 if integer else TensorProto.STRING, ["N"]),
                ("probabilities", TensorProto.FLOAT, ["N", len(info["classes"])])]
check("outputs", [sig(v) for v in m.graph.output] == want_out, [sig(v) for v in m.graph.output])
ops = [nd.op_type for nd in m.graph.node]
check("no Dropout node", "Dropout" not in ops)
check("one Gemm per Dense layer", ops.count("Gemm") == len(info["layers"]), ops.count("Gemm"))
sys.exit(bad)
