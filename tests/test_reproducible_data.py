"""The bundled training data comes out the same on every CPU, so the shipped model's checksum holds on any machine."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

from digitdemo import config, data

# OpenBLAS picks its kernels per CPU; OPENBLAS_CORETYPE forces one. Each needs these CPU flags.
CORE_TYPES = {
    "Prescott": set(),
    "Core2": set(),
    "Nehalem": set(),
    "Barcelona": set(),
    "Sandybridge": {"avx"},
    "Haswell": {"avx2", "fma"},
    "Zen": {"avx2", "fma"},
    "SkylakeX": {"avx512f", "avx512bw", "avx512vl"},
}

CHECKSUMS = """
import hashlib, json
from digitdemo import data
images, _ = data.load_source()
float_product = data.resample_to_lab_size(images)  # float32 through BLAS, as for drawings
print(json.dumps({
    "data": data.data_checksum(*data.load_data()),
    "float_product": hashlib.sha256(float_product.tobytes()).hexdigest(),
}))
"""


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _runnable_core_types() -> list[str]:
    if platform.machine() not in ("x86_64", "AMD64"):
        return []
    flags = _cpu_flags()
    return [name for name, needs in CORE_TYPES.items() if needs <= flags]


def _checksums_under(core_type: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    if core_type:
        env["OPENBLAS_CORETYPE"] = core_type
    result = subprocess.run(
        [sys.executable, "-c", CHECKSUMS], capture_output=True, text=True, env=env, cwd=config.REPO_DIR, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_data_checksum_is_the_shipped_one_under_every_blas_kernel(shipped_model):
    core_types = _runnable_core_types()
    runs = {name: _checksums_under(name) for name in [None, *core_types]}
    expected = shipped_model.meta["data"]["checksum"]
    assert {name: run["data"] for name, run in runs.items()} == {name: expected for name in runs}
    if {"Haswell", "Sandybridge"} <= set(core_types):
        # The variable really switched kernels: a float product's last bits differ between them.
        assert runs["Haswell"]["float_product"] != runs["Sandybridge"]["float_product"]


def test_integer_weights_are_pillows_bicubic():
    from PIL import Image

    basis = np.eye(config.MNIST_SIZE, dtype=np.float32)
    pillow = np.asarray(Image.fromarray(basis).resize((config.MNIST_SIZE, config.IMAGE_SIZE), Image.BICUBIC))
    np.testing.assert_array_equal(data._bicubic_weights().astype(np.float32), pillow)
    Q = data._integer_bicubic_matrix()
    assert np.all(Q.sum(axis=1) == 2**data.WEIGHT_BITS)
    assert np.abs(Q / 2**data.WEIGHT_BITS - pillow).max() <= 2.0**-data.WEIGHT_BITS
    # Every weight is far from a rounding boundary, so the integers cannot differ between machines.
    scaled = data._bicubic_weights() * 2**data.WEIGHT_BITS
    assert np.abs(scaled - np.floor(scaled) - 0.5).min() > 0.01
    # The int64 product stays exact and converts to float64 exactly: below 2^53.
    assert 1000 * np.abs(Q).sum(axis=1).max() ** 2 < 2**53


def test_bundled_data_is_within_2e6_of_pillows_float_resize():
    from PIL import Image

    images, _ = data.load_source()
    exact = data.resample_thousandths(data._source_thousandths()[:500])
    pillow = np.stack([np.asarray(Image.fromarray(im).resize((20, 20), Image.BICUBIC)) for im in images[:500]])
    assert np.abs(exact - pillow).max() < 2e-6
