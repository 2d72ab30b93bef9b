"""bench.pipeline's memory figure counts a step's whole process tree (Ray's workers are grandchildren)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.pipeline import TreeMemory

pytestmark = pytest.mark.unit

GRANDCHILD = "import time; block = bytearray(300 * 2**20); time.sleep(1.5)"
CHILD = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {GRANDCHILD!r}], check=True)"


def test_the_peak_counts_memory_held_by_a_grandchild() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD])
    memory = TreeMemory(child.pid)

    assert child.wait(timeout=30) == 0
    memory.stop()
    peak = memory.peak_mb()

    assert 300 < peak < 600, f"a 300 MB block two processes down, plus two interpreters: {peak} MB"
    assert memory.peak_mb(end=memory.samples[0][0] - 1) == 0, "no sample before the first one"
