#!/usr/bin/env python3
"""The tutorial's IMDB sentiment test, shared by imdb.ipynb and check.py's script mode.

Model: the 1,000 most frequent words as multi-hot vectors -> Dense 512 relu -> Dropout 0.5 ->
Dense 2 softmax, rmsprop, batch 32. Keras (TensorFlow) when present, else PyTorch.
Data: the full IMDB set when the box can load it (~/.keras/datasets/imdb.npz cached, or
downloaded), else the bundled synthetic sample. GPUBOX_OFFLINE=1 forces the sample and never
touches the network. numpy/tensorflow/torch are imported lazily.
"""
import collections
import gzip
import json
import os
import random
import sys
import time

NUM_WORDS = 1000
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "imdb_sample.tsv.gz")
IMDB_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"


def offline():
    """True when downloads are forbidden (GPUBOX_OFFLINE=1)."""
    return os.environ.get("GPUBOX_OFFLINE", "") not in ("", "0")


def load_sample(path=SAMPLE, seed=0, test_fraction=0.2):
    """Reads the sample; returns a data dict of word-index lists (indices by train frequency)."""
    with gzip.open(path, "rt") as f:
        rows = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    random.Random(seed).shuffle(rows)
    n_test = int(len(rows) * test_fraction)
    test, train = rows[:n_test], rows[n_test:]
    words = lambda text: text.lower().replace(".", " ").split()
    counts = collections.Counter(w for _, t in train for w in words(t))
    index = {w: i + 3 for i, (w, _) in enumerate(counts.most_common(NUM_WORDS - 3))}
    encode = lambda text: [1] + [index.get(w, 2) for w in words(text)]
    return {"dataset": "sample", "x_train": [encode(t) for _, t in train],
            "y_train": [int(l) for l, _ in train], "x_test": [encode(t) for _, t in test],
            "y_test": [int(l) for l, _ in test]}


def imdb_npz(allow_download):
    """Returns the path of a cached imdb.npz, downloading it when allowed; None if unavailable."""
    path = os.path.join(os.path.expanduser("~"), ".keras", "datasets", "imdb.npz")
    if os.path.exists(path):
        return path
    if not allow_download:
        return None
    import urllib.request
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with urllib.request.urlopen(IMDB_URL, timeout=20) as resp, open(path + ".part", "wb") as f:
            f.write(resp.read())
        os.replace(path + ".part", path)
        return path
    except Exception:
        return None


def load_imdb(path):
    """Reads imdb.npz as keras.datasets.imdb.load_data(num_words=1000) would index it."""
    import numpy as np
    with np.load(path, allow_pickle=True) as f:
        parts = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    encode = lambda seq: [1] + [w + 3 if w + 3 < NUM_WORDS else 2 for w in seq]
    return {"dataset": "imdb", "x_train": [encode(s) for s in parts["x_train"]],
            "y_train": [int(v) for v in parts["y_train"]],
            "x_test": [encode(s) for s in parts["x_test"]], "y_test": [int(v) for v in parts["y_test"]]}


def load_data(use_full=None):
    """Full IMDB when available (and not offline), else the sample."""
    if use_full is None:
        use_full = os.environ.get("GPUBOX_IMDB", "auto") != "sample"
    path = imdb_npz(not offline()) if use_full else None
    return load_imdb(path) if path else load_sample()


def multi_hot(seqs):
    """Returns a float32 numpy array [len(seqs), NUM_WORDS] of word presence."""
    import numpy as np
    out = np.zeros((len(seqs), NUM_WORDS), dtype="float32")
    for i, seq in enumerate(seqs):
        out[i, seq] = 1.0
    return out


def pick_framework(wanted=None):
    """Returns "tensorflow" or "torch" (the wanted one, else the first importable), or None."""
    import importlib.util
    for name in ([wanted] if wanted else ["tensorflow", "torch"]):
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def train_keras(data, epochs, batch_size=32):
    """Trains the Keras model; returns (accuracy, device)."""
    import numpy as np
    import tensorflow as tf
    keras = tf.keras
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input(shape=(NUM_WORDS,)),
                              keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dropout(0.5),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(multi_hot(data["x_train"]), np.array(data["y_train"]), epochs=epochs,
              batch_size=batch_size, verbose=0)
    _, acc = model.evaluate(multi_hot(data["x_test"]), np.array(data["y_test"]), verbose=0)
    gpus = tf.config.list_physical_devices("GPU")
    return float(acc), ("gpu" if gpus else "cpu")


def train_torch(data, epochs, batch_size=32):
    """Trains the same model in PyTorch; returns (accuracy, device)."""
    import torch
    torch.manual_seed(0)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    model = torch.nn.Sequential(torch.nn.Linear(NUM_WORDS, 512), torch.nn.ReLU(),
                                torch.nn.Dropout(0.5), torch.nn.Linear(512, 2)).to(dev)
    # Keras rmsprop defaults: lr 1e-3, rho 0.9, epsilon 1e-7; softmax lives in the loss.
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    x = torch.from_numpy(multi_hot(data["x_train"])).to(dev)
    y = torch.tensor(data["y_train"], device=dev)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x), device=dev).split(batch_size):
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(multi_hot(data["x_test"])).to(dev)).argmax(1).cpu()
    return float((pred == torch.tensor(data["y_test"])).float().mean()), dev


def run(framework=None, epochs=None, data=None, mode="script"):
    """Loads data, trains, evaluates; returns the result dict."""
    framework = pick_framework(framework)
    if framework is None:
        raise RuntimeError("neither tensorflow nor torch is installed")
    start = time.time()
    data = data or load_data()
    epochs = epochs or (5 if data["dataset"] == "imdb" else 10)
    loaded = time.time()
    train = train_keras if framework == "tensorflow" else train_torch
    acc, device = train(data, epochs)
    done = time.time()
    return {"framework": framework, "device": device, "dataset": data["dataset"],
            "train_n": len(data["x_train"]), "test_n": len(data["x_test"]), "epochs": epochs,
            "batch_size": 32, "accuracy": round(acc, 4), "load_seconds": round(loaded - start, 2),
            "train_seconds": round(done - loaded, 2), "mode": mode}


def write_result(result):
    """Writes the result to $GPUBOX_IMDB_RESULT when set; always prints it as JSON."""
    path = os.environ.get("GPUBOX_IMDB_RESULT")
    if path:
        with open(path, "w") as f:
            json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--framework", choices=["tensorflow", "torch"])
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--sample", action="store_true", help="use the bundled sample")
    args = ap.parse_args()
    data = load_data(use_full=False) if args.sample else None
    write_result(run(args.framework, args.epochs, data))
    sys.exit(0)
