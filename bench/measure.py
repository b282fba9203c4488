"""Shared by the benchmarks: run a command as a child process, timing it and sampling its peak RSS."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass

import psutil

SAMPLE_EVERY_S = 0.02


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of `process` and all its children, in bytes."""
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total


@dataclass(frozen=True)
class Sampled:
    """A finished child process: exit code, wall time, peak RSS of its process tree, stderr."""

    returncode: int
    seconds: float
    peak_rss_mb: float
    stderr: str


def run_sampled(args: list[str], env: dict[str, str] | None = None) -> Sampled:
    """Run `args` (stdout discarded), sampling the RSS of its process tree every 20 ms."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                peak = max(peak, tree_rss(ps))
            time.sleep(SAMPLE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    return Sampled(proc.returncode, time.perf_counter() - started, peak / 2**20, err)
