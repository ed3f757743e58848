"""Runs the reference SDK's weight helpers on the cases read from stdin (one JSON document) and
writes their results to the file named by the first argument (the SDK logs on stdout). Floats travel as IEEE bit patterns so the comparison is exact."""

import json
import sys

import numpy as np
from bittensor.utils.weight_utils import (
    convert_weights_and_uids_for_emit,
    normalize_max_weight,
    process_weights,
)


def f32(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def f64(bits):
    return np.array(bits, dtype=np.uint64).view(np.float64)


def floats(array):
    array = np.asarray(array)
    if array.dtype == np.float32:
        return {"dtype": "float32", "bits": array.view(np.uint32).tolist()}
    array = array.astype(np.float64)
    return {"dtype": "float64", "bits": array.view(np.uint64).tolist()}


def run(case):
    kind = case["kind"]
    if kind == "normalize":
        return {"weights": floats(normalize_max_weight(f32(case["x"]), limit=case["limit"]))}
    if kind == "process":
        uids, weights = process_weights(
            uids=np.array(case["uids"], dtype=np.int64),
            weights=f32(case["weights"]),
            num_neurons=case["n"],
            min_allowed_weights=case["min_allowed"],
            max_weight_limit=case["limit"],
            exclude_quantile=case["quantile"],
        )
        return {"uids": np.asarray(uids).tolist(), "weights": floats(weights)}
    if kind == "emit":
        uids, weights = convert_weights_and_uids_for_emit(
            np.array(case["uids"], dtype=np.int64), f64(case["weights"])
        )
        return {"uids": uids, "values": weights}
    raise ValueError(kind)


out = []
for case in json.load(sys.stdin):
    try:
        out.append(run(case))
    except Exception as e:  # the Rust side expects an error too
        out.append({"error": f"{type(e).__name__}: {e}"})
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
