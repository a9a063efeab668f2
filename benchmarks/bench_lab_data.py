"""Lab data: how long the generated digits take, and how long MNIST-sized IDX files take to parse.

Run: python benchmarks/bench_lab_data.py  (goal: the 7,000 default digits in under 2 s)
"""

from __future__ import annotations

import gzip
import struct
import time

import numpy as np

from srs.labs import data


def main() -> None:
    start = time.perf_counter()
    cpu = time.process_time()
    ds = data.digits()
    print(
        f"digits {len(ds.x_train)}+{len(ds.x_test)}: {time.perf_counter() - start:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s cpu (goal < 2 s)"
    )
    start = time.perf_counter()
    data.digits(small=True)
    print(f"digits small: {time.perf_counter() - start:.2f} s")
    pixels = np.random.default_rng(0).integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
    blob = gzip.compress(struct.pack(">IIII", 0x803, 60_000, 28, 28) + pixels.tobytes(), compresslevel=1)
    start = time.perf_counter()
    x = data.parse_idx_images(gzip.decompress(blob))
    print(f"IDX 60,000 images: gunzip + parse {time.perf_counter() - start:.2f} s -> {x.shape} {x.dtype}")


if __name__ == "__main__":
    main()
