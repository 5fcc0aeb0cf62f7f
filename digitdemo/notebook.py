"""The lab notebook on screen: its exercises' code, and its printouts formatted from our numbers. No Streamlit.

The notebook is Coursera MLS course 2, week 2, "C2_W2_Assignment" (Neural Networks for Handwritten
Digit Recognition, Multiclass). Its figures below are what the notebook prints; ours differ because
our 5000 digits are other MNIST digits than its 5000, and training starts from other random weights.
"""

import math

import numpy as np

from digitdemo import config
from digitdemo.nn import Layer, softmax

# --- What the notebook prints --------------------------------------------------------------
# "predicting a Two": the logits of its X[1015], as printed (two decimals).
LAB_1015_LOGITS = np.array([-7.99, -2.23, 0.77, -2.41, -11.66, -11.15, -9.53, -3.36, -4.42, -7.17])
LAB_1015_PROBABILITY = float(softmax(LAB_1015_LOGITS)[2])  # 0.898: the notebook reads 2 with 89.8%
# Its "Epochs and batches" text quotes this first line of the fit.
LAB_FIRST_EPOCH_LINE = "Epoch 1/40\n157/157 [==============================] - 0s 1ms/step - loss: 2.2770"
LAB_TRAIN_ERRORS = 15  # "15 errors out of 5000 images"
# The notebook's text about epochs says 100, while its code runs epochs=40 (the app follows the code).
LAB_PROSE_EPOCHS = 100

# --- The exercises, as the lab writes them ------------------------------------------------------
EXERCISE_1 = '''# UNQ_C1
# GRADED CELL: my_softmax

def my_softmax(z):
    """ Softmax converts a vector of values to a probability distribution.
    Args:
      z (ndarray (N,))  : input data, N features
    Returns:
      a (ndarray (N,))  : softmax of z
    """
    ### START CODE HERE ###
    ez = np.exp(z)
    a = ez / np.sum(ez)
    ### END CODE HERE ###
    return a'''

EXERCISE_2_MODEL = """# UNQ_C2
# GRADED CELL: Sequential model
tf.random.set_seed(1234) # for consistent results
model = Sequential(
    [
        ### START CODE HERE ###
        tf.keras.Input(shape=(400,)),    # specify input shape
        Dense(25, activation='relu',   name='L1'),
        Dense(15, activation='relu',   name='L2'),
        Dense(10, activation='linear', name='L3'),
        ### END CODE HERE ###
    ], name = "my_model"
)"""

EXERCISE_2_FIT = """model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
)

history = model.fit(
    X,y,
    epochs=40
)"""

PREDICT_CODE = """prediction = model.predict(image_of_two.reshape(1,400))  # prediction
print(f" predicting a Two: \\n{prediction}")
print(f" Largest Prediction index: {np.argmax(prediction)}")"""

SOFTMAX_CODE = """prediction_p = tf.nn.softmax(prediction)
print(f" predicting a Two. Probability vector: \\n{prediction_p}")
print(f"Total of predictions: {np.sum(prediction_p):0.3f}")"""

ARGMAX_CODE = """yhat = np.argmax(prediction_p)
print(f"np.argmax(prediction_p): {yhat}")"""


def lab_print(values) -> str:
    """An array as the notebook prints it: np.set_printoptions(precision=2), so 1.2e-05 rather than 0."""
    return np.array2string(np.asarray(values, dtype=np.float64), precision=2, max_line_width=75)


def steps_per_epoch(examples: int, batch_size: int = config.BATCH_SIZE) -> int:
    """Batches in one epoch: 5000 examples in batches of 32 is 157."""
    return math.ceil(examples / batch_size)


def summary(layers: list[Layer], name: str = "my_model") -> str:
    """``model.summary()`` as the notebook prints it, from the layers' shapes alone (no Keras)."""
    rule, line = "_" * 65, "=" * 65
    rows = [f'Model: "{name}"', rule, f"{'Layer (type)':<29}{'Output Shape':<26}{'Param #':<10}", line]
    for i, layer in enumerate(layers):
        rows.append(f"{layer.name + ' (Dense)':<29}{str((None, layer.b.size)):<26}{layer.n_params:<10}")
        rows.append(line if i == len(layers) - 1 else rule)
    total = sum(layer.n_params for layer in layers)
    rows += [f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0", rule]
    return "\n".join(rows)


def fit_lines(losses: list[float], epochs: int, steps: int, seconds: list[float] | None = None) -> str:
    """Keras' progress printout of ``model.fit``, two lines per finished epoch.

    ``seconds`` per epoch, if known, gives the "1s 2ms/step" part as Keras prints it.
    """
    lines = []
    for epoch, loss in enumerate(losses, start=1):
        timing = ""
        if seconds is not None and epoch <= len(seconds):
            s = seconds[epoch - 1]
            timing = f" - {s:.0f}s {1000 * s / steps:.0f}ms/step"
        lines.append(f"Epoch {epoch}/{epochs}")
        lines.append(f"{steps}/{steps} [{'=' * 30}]{timing} - loss: {loss:.4f}")
    return "\n".join(lines)
