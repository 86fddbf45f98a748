#!/usr/bin/python3
"""The issue-11 bars, measured through the real binary on the bundled data (SQLite).

Loads data/bank-additional-full.csv.gz, removes the label of a seeded random 20% of the clients
(the "held-out clients"), trains with the default configuration, scores every row, and reports:
  - ROC AUC of the stored probabilities on the held-out clients (bar: >= 0.805),
  - on the model's own test split (from `bankscore evaluate --json`): mean predicted probability
    against the positive rate, ECE, Brier and log loss against the base-rate predictor, and the
    ROC AUC lost to calibration.
Usage: bench/heldout_check.py BUILD_DIR [WORK_DIR]   (needs python3-sklearn)
"""
import gzip, json, os, random, sqlite3, subprocess, sys, tempfile
from sklearn.metrics import roc_auc_score

build = os.path.abspath(sys.argv[1])
work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="bankscore-heldout-")
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.makedirs(work, exist_ok=True)
csv_path = os.path.join(work, "full.csv")
with gzip.open(os.path.join(repo, "data/bank-additional-full.csv.gz"), "rb") as src, \
        open(csv_path, "wb") as dst:
    dst.write(src.read())
config = open(os.path.join(repo, "config/bankscore.yaml")).read()
config = config.replace("path: var/bankscore.db", "path: " + os.path.join(work, "bank.db"))
config = config.replace("path: models", "path: " + os.path.join(work, "models"))
config_path = os.path.join(work, "bankscore.yaml")
open(config_path, "w").write(config)


def bankscore(*args):
    result = subprocess.run([os.path.join(build, "bankscore"), *args, "--config", config_path],
                            capture_output=True, text=True)
    if result.returncode not in (0, 3):
        sys.exit(f"bankscore {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result.stdout


bankscore("load", "--csv", csv_path)
db = sqlite3.connect(os.path.join(work, "bank.db"))
keys = [k for (k,) in db.execute("SELECT client_id FROM bank_clients ORDER BY client_id")]
held = sorted(random.Random(2026).sample(keys, len(keys) // 5))
truth = dict(db.execute("SELECT client_id, y FROM bank_clients"))
db.executemany("UPDATE bank_clients SET y = NULL WHERE client_id = ?", [(k,) for k in held])
db.commit()
bankscore("train")
bankscore("score")
probability = dict(db.execute("SELECT source_key, probability FROM predictions"))
labels = [1 if truth[k] == "yes" else 0 for k in held]
auc = roc_auc_score(labels, [probability[k] for k in held])
ev = json.loads(bankscore("evaluate", "--json"))
q, raw = ev["probability_quality"], ev["uncalibrated"]
print(f"held-out clients: {len(held)}, ROC AUC of stored probabilities {auc:.4f} (bar >= 0.805)")
print(f"test split: mean predicted {q['mean_predicted']:.4f} vs positive rate "
      f"{q['positive_rate']:.4f} (bar: within 0.01); ECE {q['ece']:.4f} (bar <= 0.02)")
print(f"  Brier {q['brier']:.4f} vs base rate {q['base_rate_brier']:.4f}; log loss "
      f"{q['log_loss']:.4f} vs base rate {q['base_rate_log_loss']:.4f}")
print(f"  ROC AUC calibrated {ev['roc_auc']:.4f}, uncalibrated {raw['roc_auc']:.4f} "
      f"(bar: at most 0.003 lower); uncalibrated mean {raw['probability_quality']['mean_predicted']:.4f},"
      f" ECE {raw['probability_quality']['ece']:.4f}")
