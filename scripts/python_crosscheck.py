#!/usr/bin/python3
"""Cross-checks a bankscore model file against Python's xgboost.

Writes tests/data/small_rows.csv (encoded feature rows, NaN = missing) and
tests/data/small_expected.csv (the probabilities Python's xgboost 1.7 predicts for them with
tests/data/small_model.json, which bankscore trained), and tests/data/small_contribs.csv (its
TreeSHAP contributions, `pred_contribs=True`: one column per feature, then the bias). The unit
test tests/unit/booster_test.cc checks that bankscore's C++ predictions and contributions equal
these (1e-6 and 1e-5).

Regenerate after replacing the model file:  python3 scripts/python_crosscheck.py
(needs Debian's python3-xgboost, which brings numpy; run it with /usr/bin/python3).
"""
import pathlib

import numpy as np
import xgboost as xgb

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def main() -> None:
    booster = xgb.Booster()
    booster.load_model(str(DATA / "small_model.json"))
    n_features = booster.num_features()
    rng = np.random.default_rng(20141)
    rows = 64
    # Mostly 0/1 (one-hot columns), some real values in the range of the numeric features, and
    # missing values, so every kind of split and default direction is exercised.
    x = rng.integers(0, 2, size=(rows, n_features)).astype(np.float32)
    numeric = rng.random((rows, n_features)) < 0.3
    x[numeric] = rng.normal(0.0, 50.0, size=numeric.sum()).astype(np.float32)
    x[rng.random((rows, n_features)) < 0.1] = np.nan
    predictions = booster.predict(xgb.DMatrix(x, missing=np.nan))
    np.savetxt(DATA / "small_rows.csv", x, delimiter=",", fmt="%.9g")
    np.savetxt(DATA / "small_expected.csv", predictions, fmt="%.9g")
    contributions = booster.predict(xgb.DMatrix(x, missing=np.nan), pred_contribs=True)
    np.savetxt(DATA / "small_contribs.csv", contributions, delimiter=",", fmt="%.9g")
    print(f"wrote {rows} rows x {n_features} features and their probabilities to {DATA}")


if __name__ == "__main__":
    main()
