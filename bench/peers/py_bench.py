#!/usr/bin/python3
"""bench/peers/py_bench.py -- Python peers of the benchmark, timed inside Python on in-memory data.

  py_bench.py fit CSV SIZE N_ROWS RUNS CASES      statsmodels PHReg (Efron) and Logit
  py_bench.py train-xgb CSV MODEL_JSON            train the 100-tree XGBoost model clinnova scores
  py_bench.py predict-xgb CSV MODEL_JSON SIZE N_ROWS RUNS
                                                  xgboost Booster.inplace_predict, one thread

CSV holds the benchmark table (header time,event,grp,cause,y,x1..x10).  Each case runs once to
warm up, then RUNS times (a case slower than a minute runs once).  Measurements are printed as SQL calls of bench.store() on stdout.
Run it with Debian's /usr/bin/python3 (python3-statsmodels, python3-xgboost).
"""
import sys
import time

import numpy as np
import pandas as pd

XS = ["x%d" % i for i in range(1, 11)]


def emit(case, size, n_rows, variant, ms, note=None):
    """Print one measurement as a bench.store() call."""
    print("SELECT bench.store('%s', '%s', %s, '%s', '{%s}', %s);" % (
        case, size, n_rows, variant, ",".join("%.3f" % m for m in ms),
        "NULL" if note is None else "'%s'" % note.replace("'", "''")))


def time_runs(f, runs):
    """Milliseconds of `runs` calls of f() after one warm-up call; a call slower than a minute
    is not repeated (the warm-up call is then the only measurement)."""
    t0 = time.perf_counter()
    f()
    warm = (time.perf_counter() - t0) * 1000.0
    if warm > 60000:
        return [warm]
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def read(csv, size, n_rows, variant):
    """Read the CSV with pandas and report how long it took."""
    t0 = time.perf_counter()
    d = pd.read_csv(csv)
    emit("export", size, n_rows, variant, [(time.perf_counter() - t0) * 1000.0],
         "%d columns" % d.shape[1])
    return d


def fit(csv, size, n_rows, runs, cases):
    """statsmodels PHReg (Efron ties) and Logit on x1..x10."""
    import statsmodels.api as sm

    d = read(csv, size, n_rows, "pandas read CSV")
    X = d[XS].to_numpy()
    if "coxph" in cases:
        t, e = d["time"].to_numpy(), d["event"].to_numpy()
        emit("coxph", size, n_rows, "statsmodels PHReg",
             time_runs(lambda: sm.PHReg(t, X, status=e, ties="efron").fit(), runs))
    if "logreg" in cases:
        Xc = sm.add_constant(X)
        y = d["y"].to_numpy()
        emit("logreg", size, n_rows, "statsmodels Logit",
             time_runs(lambda: sm.Logit(y, Xc).fit(disp=0), runs))


def train_xgb(csv, model_json):
    """100 trees of depth 6 predicting y from x1..x10 (binary:logistic), saved as JSON."""
    import xgboost as xgb

    d = pd.read_csv(csv)
    dm = xgb.DMatrix(d[XS].to_numpy(), label=d["y"].to_numpy())
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "nthread": 1,
              "tree_method": "hist", "seed": 1}
    bst = xgb.train(params, dm, num_boost_round=100)
    bst.save_model(model_json)


def predict_xgb(csv, model_json, size, n_rows, runs):
    """Booster.inplace_predict over the whole table, one thread."""
    import xgboost as xgb

    d = read(csv, size, n_rows, "pandas read CSV (x)")
    X = np.ascontiguousarray(d[XS].to_numpy())
    bst = xgb.Booster(model_file=model_json)
    bst.set_param({"nthread": 1})
    emit("scoring_xgb", size, n_rows, "xgboost predict",
         time_runs(lambda: bst.inplace_predict(X), runs), "Booster.inplace_predict, nthread = 1")


def main(argv):
    """Dispatch on the first argument."""
    if len(argv) == 7 and argv[1] == "fit":
        fit(argv[2], argv[3], argv[4], int(argv[5]), argv[6].split(","))
    elif len(argv) == 4 and argv[1] == "train-xgb":
        train_xgb(argv[2], argv[3])
    elif len(argv) == 7 and argv[1] == "predict-xgb":
        predict_xgb(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
