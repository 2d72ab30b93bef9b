"""The machine's idle cores as background work reads them (gateway.decisions.spare_cpu)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.decisions.spare_cpu import SpareCpu, cpu_times, wait_for_spare_cpu


def test_cpu_times_count_idle_and_iowait_as_idle(tmp_path: Path) -> None:
    # given a /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 50 800 20 3 2 10 40 0\ncpu0 50 2 25 400 10 1 1 5 20 0\n")
    # then idle is idle + iowait, and the total leaves out guest time (already in user time)
    assert cpu_times(stat) == (820.0, 990.0)


def test_cpu_times_are_unknown_without_a_readable_stat(tmp_path: Path) -> None:
    (tmp_path / "odd").write_text("intr 1 2 3\n")
    assert cpu_times(tmp_path / "missing") is None
    assert cpu_times(tmp_path / "odd") is None


def test_this_machine_reports_its_idle_cores() -> None:
    spare = SpareCpu()
    threading.Event().wait(0.2)
    idle = spare.idle_cores()
    assert idle is not None, "Linux: /proc/stat is read"
    assert 0.0 <= idle <= spare.cores + 1e-9, idle


def _readings(*idle_shares: float, cores: int = 2) -> Iterator[tuple[float, float]]:
    """Readings of a machine whose idle share over each following interval of 100 ticks is given."""
    idle = total = 0.0
    yield idle, total
    for share in idle_shares:
        idle, total = idle + 100 * share, total + 100
        yield idle, total
    while True:  # then fully busy
        total += 100
        yield idle, total


def test_idle_cores_are_the_idle_share_of_every_core_since_the_last_reading() -> None:
    readings = _readings(0.25, 0.75)
    spare = SpareCpu(lambda: next(readings), cores=2)
    assert spare.idle_cores() == pytest.approx(0.5)
    assert spare.idle_cores() == pytest.approx(1.5)
    assert spare.idle_cores() == pytest.approx(0.0)


def test_waiting_ends_once_a_core_was_idle() -> None:
    # given a machine busy for three polls, then with a core and a half idle
    readings = _readings(0.0, 0.1, 0.2, 0.2, 0.75)
    spare = SpareCpu(lambda: next(readings), cores=2)
    calls = []

    def clock() -> float:
        calls.append(None)
        return len(calls) * 0.001

    # when background work waits for one spare core
    waited = wait_for_spare_cpu(spare, 1.0, longest=60, poll=0.001, clock=clock)
    # then it starts after the fourth poll, the first one that saw a spare core
    assert len(calls) == 6, "started, then one look at the clock per poll until the idle one"
    assert waited == pytest.approx(0.005)


def test_waiting_is_bounded_and_ends_when_stopped() -> None:
    busy = _readings()
    spare = SpareCpu(lambda: next(busy), cores=2)
    assert 0.05 <= wait_for_spare_cpu(spare, 1.0, longest=0.05, poll=0.01) < 1.0, "never longer"
    stop = threading.Event()
    stop.set()
    assert wait_for_spare_cpu(spare, 1.0, longest=60, poll=0.01, stop=stop) < 1.0, "a stop ends it"


def test_an_unknown_reading_waits_for_nothing() -> None:
    spare = SpareCpu(lambda: None, cores=2)
    assert wait_for_spare_cpu(spare, 1.0, longest=60, poll=0.01) < 1.0
