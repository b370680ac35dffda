"""How long the BG/NBD fit takes on the CDNOW sample (2,357 customers), the figure
the health rescore's per-team fits rest on. Goal: well under a second.

    .venv/bin/python bench/bgnbd.py [--runs 20]

This was a timed assertion in the test suite; a loaded machine failed it, so the
time is measured here and the tests check only the fit's numbers."""

import argparse
import csv
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import git_commit

from amends.health.bgnbd import bgnbd_fit


def cdnow():
    spec = importlib.util.find_spec("lifetimes")  # its sample file, without importing it
    path = Path(next(iter(spec.submodule_search_locations)))
    with (path / "datasets" / "cdnow_customers_summary.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(np.array([float(row[k]) for row in rows]) for k in ("frequency", "recency", "T"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    data = cdnow()
    bgnbd_fit(*data)  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        bgnbd_fit(*data)
        times.append(time.perf_counter() - start)
    median, worst = statistics.median(times), max(times)
    print(f"commit {git_commit()}: BG/NBD fit of CDNOW ({len(data[0])} customers), {runs} runs")
    print(f"median {median * 1000:.0f} ms, slowest {worst * 1000:.0f} ms (goal: under 1,000 ms)")


if __name__ == "__main__":
    main()
