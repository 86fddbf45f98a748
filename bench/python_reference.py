#!/usr/bin/env python3
"""The Python pipeline bankscore replaces, as a reference for bench/scoring_bench.cc.

A plain pandas + XGBoost batch scoring script, written the way such scripts are:
  pd.read_sql -> pd.get_dummies -> XGBClassifier.predict_proba -> to_sql / execute_values
It scores every row of the source table with the *same* model as bankscore (the bundle's
model.json, with the bundle's encoded column order), so the two do the same work, and prints
"python <rows> <seconds>". Debian packages: python3-pandas, python3-xgboost, python3-sklearn,
python3-psycopg2.

  python_reference.py --bundle DIR --sqlite FILE | --pg-dsn DSN [--schema S] [--table T]
"""
import argparse
import json
import sqlite3
import time

import numpy as np
import pandas as pd
import xgboost as xgb


def load_bundle(directory):
    with open(f"{directory}/bundle.json") as f:
        bundle = json.load(f)
    model = xgb.XGBClassifier()
    model.load_model(f"{directory}/model.json")
    return bundle, model


def features(frame, bundle):
    """get_dummies over the categorical columns, the sentinel flags, in the model's column order."""
    encoder = bundle["encoder"]
    categorical = [c["column"] for c in encoder["categorical"]]
    dummies = pd.get_dummies(frame[categorical], prefix=categorical, prefix_sep="=", dtype=np.float32)
    numeric = frame[encoder["numeric"]].astype(np.float32)
    for column, value in encoder["sentinels"].items():
        flag = f"{column}_is_{value:g}"
        numeric[flag] = (numeric[column] == value).astype(np.float32)
        numeric.loc[numeric[column] == value, column] = np.nan
    matrix = pd.concat([dummies, numeric], axis=1)
    # A NULL category leaves its group missing, as bankscore's encoder does.
    for group in categorical:
        columns = [c for c in matrix.columns if c.startswith(group + "=")]
        matrix.loc[frame[group].isna(), columns] = np.nan
    return matrix.reindex(columns=bundle["encoded_features"], fill_value=0.0)


def score(frame, bundle, model, key):
    probability = model.predict_proba(features(frame, bundle))[:, 1]
    threshold = bundle["threshold"]
    return pd.DataFrame({"source_key": frame[key].to_numpy(), "model_version": bundle["version"],
                         "probability": probability, "label": (probability >= threshold).astype(int),
                         "threshold": threshold})


def run_sqlite(args, bundle, model):
    conn = sqlite3.connect(args.sqlite)
    frame = pd.read_sql(f'SELECT * FROM "{args.table}"', conn)
    out = score(frame, bundle, model, args.key)
    conn.execute("DROP TABLE IF EXISTS predictions_python")
    out.to_sql("predictions_python", conn, index=False)
    conn.commit()
    return len(out)


def run_postgres(args, bundle, model):
    import psycopg2
    from psycopg2.extras import execute_values
    conn = psycopg2.connect(args.pg_dsn)
    cur = conn.cursor()
    if args.schema:
        cur.execute(f'SET search_path TO "{args.schema}"')
    frame = pd.read_sql(f'SELECT * FROM "{args.table}"', conn)
    out = score(frame, bundle, model, args.key)
    cur.execute("DROP TABLE IF EXISTS predictions_python; CREATE TABLE predictions_python "
                "(source_key BIGINT, model_version TEXT, probability DOUBLE PRECISION, "
                "label SMALLINT, threshold DOUBLE PRECISION, PRIMARY KEY (source_key, model_version))")
    execute_values(cur, "INSERT INTO predictions_python VALUES %s",
                   out.itertuples(index=False, name=None), page_size=10000)
    conn.commit()
    return len(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--sqlite")
    parser.add_argument("--pg-dsn")
    parser.add_argument("--schema")
    parser.add_argument("--table", default="bank_clients")
    parser.add_argument("--key", default="client_id")
    args = parser.parse_args()
    bundle, model = load_bundle(args.bundle)
    started = time.monotonic()
    rows = run_sqlite(args, bundle, model) if args.sqlite else run_postgres(args, bundle, model)
    print(f"python {rows} {time.monotonic() - started:.3f}")


if __name__ == "__main__":
    main()
