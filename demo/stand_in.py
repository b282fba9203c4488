"""What the demo's vendor stand-ins share: random instants in the seeded period, and running a seeded fake.

`run_stand_in` is the command line of `python -m demo.hubspot_seed` and `python -m demo.salesforce_seed`:
it starts the seeded fake on 127.0.0.1, then either runs `python -m extract` against it in this process
(writing the demo manifest into the workdir) or, with `--serve`, writes `<source>.env` and serves until
interrupted. The fake is stopped either way.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

MILLISECOND = timedelta(milliseconds=1)


class RunningFake(Protocol):
    """A started fake vendor API."""

    @property
    def base_url(self) -> str:
        """Where it serves."""
        ...

    def stop(self) -> None:
        """Stop serving."""
        ...


Fake = TypeVar("Fake", bound=RunningFake)


class Period(Protocol):
    """The seeded period: `days` whole days from `start` (a stand-in's size dataclass)."""

    @property
    def start(self) -> datetime:
        """The first instant (UTC)."""
        ...

    @property
    def days(self) -> int:
        """How many days."""
        ...


def random_instant(rng: random.Random, period: Period, not_before: datetime | None = None) -> datetime:
    """A random millisecond instant in the period, not before `not_before` when given.

    Vendor APIs keep milliseconds, so seeded instants do too. When `not_before` leaves no room, the
    period's last millisecond.
    """
    floor = max(period.start, not_before or period.start)
    end = period.start + timedelta(days=period.days)
    if floor >= end - MILLISECOND:
        return end - MILLISECOND
    instant = floor + (end - floor) * rng.random()
    return min(instant, end - MILLISECOND).replace(microsecond=instant.microsecond // 1000 * 1000)


def run_stand_in(
    argv: list[str] | None,
    *,
    source: str,
    what: str,
    description: str,
    start: Callable[[Path], Fake],
    environment: Callable[[Fake], Mapping[str, str]],
    manifest: str,
) -> int:
    """Parse the stand-in's arguments, start its seeded fake, then load it with the extractor or serve it.

    Args:
        argv: Command-line arguments (`sys.argv[1:]` when None); extractor arguments follow `--`.
        source: The extractor's source name (`hubspot`); it names the module, workdir and files.
        what: What the fake is, for the `--serve` message (`fake HubSpot portal`).
        description: The command's one-line description.
        start: Starts the seeded fake, given the workdir (created beforehand).
        environment: The variables that point the extractor at the started fake.
        manifest: The demo manifest text, written to `<workdir>/<source>.yaml`.

    Returns:
        The extractor's exit code; 0 when serving ends with Ctrl-C.
    """
    parser = argparse.ArgumentParser(prog=f"python -m demo.{source}_seed", description=description)
    parser.add_argument("--workdir", type=Path, default=Path(f".demo/{source}"))
    parser.add_argument("--since", default="2024-03-01")
    parser.add_argument("--until", default="2024-03-08")
    parser.add_argument("--serve", action="store_true", help=f"keep serving; write {source}.env instead of loading")
    parser.add_argument("extract_args", nargs="*", help="extra arguments for python -m extract (after --)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    fake = start(args.workdir)
    env = dict(environment(fake))
    try:
        if args.serve:
            env_file = args.workdir / f"{source}.env"
            env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()), encoding="utf-8")
            print(f"{what} at {fake.base_url}; source {env_file} and run the extractor", flush=True)
            while True:
                time.sleep(3600)
        from extract.cli import main as extract_main  # only the load path needs the extractor

        os.environ.update(env)
        manifest_file = args.workdir / f"{source}.yaml"
        manifest_file.write_text(manifest, encoding="utf-8")
        return extract_main(["--source", source, "--since", args.since, "--until", args.until,
                             "--config", str(manifest_file), *args.extract_args])  # fmt: skip
    except KeyboardInterrupt:
        return 0
    finally:
        fake.stop()
