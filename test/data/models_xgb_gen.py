#!/usr/bin/python3
"""test/data/models_xgb_gen.py — XGBoost fixtures for the models module's tree tests.

Run from the repository root with Debian's python3-xgboost (1.7):

    /usr/bin/python3 test/data/models_xgb_gen.py

Writes
  models_xgb_data.csv         the lung data as features (NA = missing) with an id
  models_xgb_<name>.json      models saved by Booster.save_model (see MODELS below)
  models_xgb_pred.csv         model, id, margin, response: xgboost's predictions for every row
                              (predict(output_margin=True) and predict()), printed exactly
  models_xgb_edges.csv        model, id, x (a JSON array of doubles), margin: rows whose value
                              sits exactly at, just below or just above a split threshold,
                              including doubles that round to the float32 threshold
  models_xgb_unsupported_<kind>.json   small models import_xgboost must refuse
"""
import json
import math
import struct

import numpy as np
import pandas as pd
import xgboost as xgb

FEATURES = ["age", "sex", "ph.ecog", "ph.karno", "pat.karno", "meal.cal", "wt.loss"]
lung = pd.read_csv("test/data/lung.csv")
lung.insert(0, "id", np.arange(1, len(lung) + 1))
X = lung[FEATURES].to_numpy(dtype=np.float64)          # NaN where R has NA
dead = (lung["status"] == 2).to_numpy(dtype=np.float64)
time = lung["time"].to_numpy(dtype=np.float64)

lung[["id"] + FEATURES].to_csv("test/data/models_xgb_data.csv", index=False, na_rep="")

BASE = {"max_depth": 4, "eta": 0.3, "seed": 1, "nthread": 1}
MODELS = {
    # name: (params, label, rounds, with feature names)
    "logistic": ({"objective": "binary:logistic"}, dead, 20, True),
    "logistic_base": ({"objective": "binary:logistic", "base_score": 0.3, "max_depth": 3}, dead, 10, False),
    "logitraw": ({"objective": "binary:logitraw", "max_depth": 3}, dead, 8, True),
    "reg_logistic": ({"objective": "reg:logistic", "max_depth": 3}, dead, 8, True),
    "squared": ({"objective": "reg:squarederror", "base_score": 300}, time, 15, True),
    "cox": ({"objective": "survival:cox", "max_depth": 3}, np.where(dead == 1, time, -time), 15, True),
    "poisson": ({"objective": "count:poisson", "max_depth": 3}, np.round(time / 30), 10, True),
    "gamma": ({"objective": "reg:gamma", "max_depth": 3}, time, 10, True),
    "tweedie": ({"objective": "reg:tweedie", "max_depth": 3}, np.round(time / 30), 10, True),
    "forest": ({"objective": "reg:squarederror", "num_parallel_tree": 3, "subsample": 0.8,
                "colsample_bynode": 0.8, "eta": 1.0, "max_depth": 5}, time, 3, True),
}


def exact(v):
    """Shortest text that reads back (as a double) to exactly v."""
    return repr(float(v))


def dmatrix(rows, names=True):
    return xgb.DMatrix(rows, feature_names=FEATURES if names else None, missing=np.nan)


def float32_margin(model_json, rows):
    """The margin as xgboost 1.7 computes it: float32 features, x < threshold, float32 sum."""
    learner = model_json["learner"]
    obj = learner["objective"]["name"]
    base = np.float32(float(learner["learner_model_param"]["base_score"]))
    # xgboost calls C's logf (correctly rounded in glibc; numpy's float32 log is not)
    if obj in ("binary:logistic", "reg:logistic"):      # binary:logitraw: identity
        margin0 = -np.float32(math.log(float(np.float32(np.float32(1) / base - np.float32(1)))))
    elif obj in ("count:poisson", "survival:cox", "reg:gamma", "reg:tweedie"):
        margin0 = np.float32(math.log(float(base)))
    else:
        margin0 = base
    trees = learner["gradient_booster"]["model"]["trees"]
    out = []
    for row in rows:
        x = row.astype(np.float32)
        m = np.float32(margin0)
        for t in trees:
            i = 0
            while t["left_children"][i] != -1:
                v = x[t["split_indices"][i]]
                if np.isnan(v):
                    i = t["left_children"][i] if t["default_left"][i] else t["right_children"][i]
                else:
                    c = np.float32(t["split_conditions"][i])
                    i = t["left_children"][i] if v < c else t["right_children"][i]
            m = np.float32(m + np.float32(t["split_conditions"][i]))
        out.append(m)
    return np.array(out, dtype=np.float32)


pred_lines = ["model,id,margin,response"]
edge_lines = ["model,id,x,margin"]
for name, (params, label, rounds, names) in MODELS.items():
    p = dict(BASE)
    p.update(params)
    booster = xgb.train(p, xgb.DMatrix(X, label=label, feature_names=FEATURES if names else None,
                                       missing=np.nan), num_boost_round=rounds)
    path = f"test/data/models_xgb_{name}.json"
    booster.save_model(path)
    with open(path) as f:
        doc = json.load(f)
    margin = booster.predict(dmatrix(X, names), output_margin=True)
    response = booster.predict(dmatrix(X, names))
    check = float32_margin(doc, X)
    assert np.array_equal(check, margin), f"{name}: float32 emulation differs from xgboost"
    for i in range(len(X)):
        pred_lines.append(f"{name},{i + 1},{exact(margin[i])},{exact(response[i])}")

    # edge rows: every feature missing except one, set at/around a split threshold
    if name in ("logistic", "squared", "cox"):
        rows = []
        for t in doc["learner"]["gradient_booster"]["model"]["trees"][:4]:
            for i, left in enumerate(t["left_children"]):
                if left == -1:
                    continue
                feat = t["split_indices"][i]
                c32 = np.float32(t["split_conditions"][i])
                c = float(c32)
                ulp32 = float(np.nextafter(c32, np.float32(np.inf))) - c
                for v in (c, math.nextafter(c, -math.inf), math.nextafter(c, math.inf),
                          c - 0.4 * ulp32, c + 0.4 * ulp32, c - 0.6 * ulp32):
                    row = np.full(len(FEATURES), np.nan)
                    row[feat] = v
                    rows.append(row)
        rows = np.array(rows)
        m = booster.predict(dmatrix(rows, names), output_margin=True)
        assert np.array_equal(float32_margin(doc, rows), m), f"{name}: edge emulation differs"
        for i, row in enumerate(rows):
            x = "[" + ", ".join("null" if np.isnan(v) else exact(v) for v in row) + "]"
            edge_lines.append(f'{name},{i + 1},"{x}",{exact(m[i])}')

with open("test/data/models_xgb_pred.csv", "w") as f:
    f.write("\n".join(pred_lines) + "\n")
with open("test/data/models_xgb_edges.csv", "w") as f:
    f.write("\n".join(edge_lines) + "\n")

# models import_xgboost must refuse
small = {"max_depth": 2, "seed": 1, "nthread": 1}
rng = np.random.default_rng(1)
Z = rng.normal(size=(100, 3))
yz = (Z[:, 0] > 0).astype(float)
unsupported = {
    "gblinear": (dict(small, booster="gblinear", objective="binary:logistic"), yz, None),
    "dart": (dict(small, booster="dart", objective="binary:logistic"), yz, None),
    "multiclass": (dict(small, objective="multi:softprob", num_class=3), rng.integers(0, 3, 100), None),
    "categorical": (dict(small, objective="binary:logistic", tree_method="hist"), yz,
                    pd.DataFrame({"a": Z[:, 0], "c": pd.Categorical(rng.integers(0, 4, 100))})),
}
for kind, (params, label, frame) in unsupported.items():
    data = (xgb.DMatrix(frame, label=label, enable_categorical=True) if frame is not None
            else xgb.DMatrix(Z, label=label))
    xgb.train(params, data, num_boost_round=2).save_model(f"test/data/models_xgb_unsupported_{kind}.json")
