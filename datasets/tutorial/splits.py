"""Write the seed tutorial's row splits of iris, breast cancer and diabetes.

Run from the repository root with Debian's Python and scikit-learn:

    /usr/bin/python3 datasets/tutorial/splits.py datasets/tutorial

For each dataset it writes NAME-splits.csv with the header "split,row" and
one line per row of each part, in the order the tutorial's arrays hold them:

  train   X_train of train_test_split(X, y, test_size=0.33, random_state=42)
  test    X_test of the same call
  search  X_train of the ANNHyperModel's validation split,
          train_test_split(X_train, y_train, test_size=0.2), the rows its
          Hyperband search trains on
  val     X_val of that call, the rows the search validates on

row is the 0-based index of the row in sklearn.datasets.load_NAME(), which
is also the data row of datasets/NAME.csv (the bundled CSVs are in
load_*() order; this script checks that first).

The validation split has no random_state in the tutorial, so it draws from
NumPy's global stream, which tf.keras.utils.set_random_seed(42) seeded at
the top of the notebook; the three searches call it in turn (iris, breast
cancer, diabetes).  This reconstruction assumes the notebook ran once, top
to bottom, and that nothing else drew from NumPy's global stream before
those calls: TF-Keras 2.x's initializers, fit and Dropout, keras-tuner's
oracle and shap's DeepExplainer draw from TensorFlow's and Python's
generators instead.
"""
import csv
import os
import sys

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.model_selection import train_test_split

SETS = [("iris", datasets.load_iris),
        ("breast_cancer", datasets.load_breast_cancer),
        ("diabetes", datasets.load_diabetes)]


def check_csv(path, d):
    """The bundled CSV holds exactly load_*()'s arrays, in its order."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    a = np.array([[float(x) for x in r] for r in rows[1:]])
    if not (np.array_equal(a[:, :-1], d.data) and np.array_equal(a[:, -1], d.target)):
        sys.exit("%s: not the rows of load_*() in its order" % path)


def main(outdir):
    np.random.seed(42)  # what tf.keras.utils.set_random_seed(42) does to NumPy
    for name, load in SETS:
        d = load()
        check_csv(os.path.join("datasets", name + ".csv"), d)
        rows = np.arange(len(d.target))
        train, test = train_test_split(rows, test_size=0.33, random_state=42)
        search, val = train_test_split(train, test_size=0.2)
        with open(os.path.join(outdir, name + "-splits.csv"), "w") as f:
            f.write("split,row\n")
            for part, idx in (("train", train), ("test", test),
                              ("search", search), ("val", val)):
                for i in idx:
                    f.write("%s,%d\n" % (part, i))
    print("scikit-learn %s, NumPy %s" % (sklearn.__version__, np.__version__))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datasets/tutorial")
