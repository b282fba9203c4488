"""Build and run the real images from tests: the docker client, a content digest of the build, and `docker run`.

The images are built by `scripts/images.sh build` (the same script as `make images`), tagged with a digest of
everything that goes into them, so a rerun with nothing changed reuses them without calling the builder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Debian's docker.io client: BuildKit secrets work with it; the newer client on PATH lacks buildx (NOTES.md).
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
LOCAL_BASE_IMAGE = "local/python:3.11-bookworm"
IMAGE_NAMES = ("extract", "dbt")
# Informational only (reported, never asserted): issue 6's target for the extract image on the slim base.
EXTRACT_SIZE_TARGET_MB = 350

# What the build context holds (.dockerignore allow-list) plus what shapes the build. Files skipped here are a
# subset of what .dockerignore drops, so a change that reaches the build always changes the digest.
_DIGEST_FILES = (
    "pyproject.toml",
    "uv.lock",
    "README.md",
    "Dockerfile.extract",
    "Dockerfile.dbt",
    ".dockerignore",
    "scripts/images.sh",
)
_DIGEST_TREES = ("extract", "dbt_project")
_SKIPPED_PARTS = {"__pycache__", ".dlt"}
_SKIPPED_TOP = {("dbt_project", "target"), ("dbt_project", "dbt_packages"), ("dbt_project", "logs")}
_SKIPPED_SUFFIXES = (".pyc", ".duckdb", ".duckdb.wal")


def docker_problem() -> str | None:
    """Why the docker tests cannot run here, or None when the client answers and a daemon is up."""
    if not Path(DOCKER).exists() and shutil.which(DOCKER) is None:
        return f"{DOCKER} not found (apt-get install -y docker.io debootstrap)"
    probe = subprocess.run([DOCKER, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"no docker daemon answers ({probe.stderr.strip()[:200]}); start one with scripts/start-dockerd.sh"
    return None


def require_docker() -> None:
    """Skip when docker is unusable; in CI (CI=true) fail instead, so a broken runner cannot pass silently."""
    problem = docker_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the docker tests cannot run: {problem}")
    pytest.skip(problem)


def docker(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the docker client and return its result; a failure with check=True shows docker's stderr."""
    result = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])} … exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def image_id(tag: str) -> str | None:
    """The image id of a local tag, or None when there is no such image."""
    result = docker("image", "inspect", "--format", "{{.Id}}", tag, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def _context_files() -> Iterator[Path]:
    for name in _DIGEST_FILES:
        path = REPO / name
        if path.is_file():
            yield path
    for tree in _DIGEST_TREES:
        for path in sorted((REPO / tree).rglob("*")):
            rel = path.relative_to(REPO).parts
            if (
                not path.is_file()
                or _SKIPPED_PARTS.intersection(rel)
                or rel[:2] in _SKIPPED_TOP
                or path.name.endswith(_SKIPPED_SUFFIXES)
            ):
                continue
            yield path


def git_revision() -> str:
    """The commit checked out in the repository."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    return head.stdout.strip()


def build_digest(base_image_id: str, revision: str) -> str:
    """A digest of the base image, the git revision (it is a label) and every file the build reads."""
    digest = hashlib.sha256()
    digest.update(f"{base_image_id}\n{revision}\n".encode())
    for path in _context_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@dataclass
class BuildRecord:
    """What the session's build did: the tag, the commit it labels, whether the builder ran, and how long it took."""

    tag: str
    revision: str
    base_image: str
    built: bool
    seconds: float
    sizes_mb: dict[str, float] = field(default_factory=dict)
    site_packages_mb: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def ensure_base_image() -> str:
    """The base image to build on: ELT_TEST_BASE_IMAGE if set, else the local debootstrap image (built once)."""
    base = os.environ.get("ELT_TEST_BASE_IMAGE")
    if base:
        return base
    result = subprocess.run(
        [str(REPO / "scripts/build-base-image.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "DOCKER": DOCKER},
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/build-base-image.sh failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return LOCAL_BASE_IMAGE


def ensure_images(base_image: str, log_path: Path) -> BuildRecord:
    """Build elt/extract and elt/dbt for the current content unless both already exist; the log goes to a file."""
    base_id = image_id(base_image)
    if base_id is None:
        pytest.fail(f"base image {base_image} is not present locally")
    revision = git_revision()
    tag = f"ctx-{build_digest(base_id, revision)}"
    if all(image_id(f"elt/{name}:{tag}") for name in IMAGE_NAMES):
        return BuildRecord(tag=tag, revision=revision, base_image=base_image, built=False, seconds=0.0)
    started = time.monotonic()
    with log_path.open("w") as log:
        result = subprocess.run(
            [str(REPO / "scripts/images.sh"), "build"],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=1800,
            env={
                **os.environ,
                "DOCKER": DOCKER,
                "BASE_IMAGE": base_image,
                "IMAGE_TAG": tag,
                "IMAGE_REVISION": revision,
            },
        )
    if result.returncode != 0:
        pytest.fail(f"scripts/images.sh build failed (log {log_path}):\n{log_path.read_text()[-4000:]}")
    return BuildRecord(
        tag=tag, revision=revision, base_image=base_image, built=True, seconds=time.monotonic() - started
    )


def image_size_mb(tag: str) -> float:
    """The uncompressed size of a local image in MB (10^6 bytes, as `docker images` prints it)."""
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip()) / 1e6


def largest_site_packages(tag: str, top: int = 6) -> list[tuple[str, float]]:
    """The biggest entries of the image's site-packages, in MB: what dominates the image."""
    out = docker(
        "run", "--rm", "--entrypoint", "sh", tag, "-c",
        "du -sk /opt/venv/lib/python3.11/site-packages/* | sort -rn | head -n " + str(top),
    ).stdout  # fmt: skip
    rows = [line.split("\t", 1) for line in out.splitlines() if "\t" in line]
    return [(Path(path).name, int(kb) / 1024) for kb, path in rows]


def run_image(
    tag: str,
    args: Sequence[str] = (),
    *,
    entrypoint: str | None = None,
    read_only: bool = True,
    tmpfs: bool = True,
    user: str | None = "10001:10001",
    memory: str | None = None,
    cpus: str | None = None,
    env: dict[str, str] | None = None,
    volumes: dict[Path, str] | None = None,
    network: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """`docker run --rm` the image the way a pod runs it: read-only root, /tmp as the only writable path.

    Args:
        tag: The image.
        args: Arguments after the image (the entrypoint's arguments).
        entrypoint: Replace the image's entrypoint.
        read_only: Mount the root filesystem read-only (a pod's readOnlyRootFilesystem).
        tmpfs: Mount a tmpfs at /tmp (a pod's emptyDir).
        user: uid:gid to run as; None keeps the image's USER.
        memory: A memory limit such as "512m".
        cpus: A CPU limit such as "1".
        env: Environment variables for the container.
        volumes: Host path -> container path bind mounts.
        network: A docker network, e.g. "host" to reach servers on the host's 127.0.0.1.
        timeout: Seconds before the run is abandoned.

    Returns:
        The finished process; the caller asserts on returncode, stdout and stderr.
    """
    cmd = ["run", "--rm"]
    if read_only:
        cmd.append("--read-only")
    if tmpfs:
        cmd += ["--tmpfs", "/tmp:rw,nosuid,nodev,size=1g,mode=1777"]
    if user:
        cmd += ["--user", user]
    if memory:
        cmd += ["--memory", memory, "--memory-swap", memory]
    if cpus:
        cmd += ["--cpus", cpus]
    if network:
        cmd += ["--network", network]
    for key, value in (env or {}).items():
        cmd += ["--env", f"{key}={value}"]
    for host, container in (volumes or {}).items():
        cmd += ["--volume", f"{host}:{container}"]
    if entrypoint is not None:
        cmd += ["--entrypoint", entrypoint]
    cmd += [tag, *args]
    return docker(*cmd, check=False, timeout=timeout)


@dataclass(frozen=True)
class ImageFiles:
    """The paths in an image's filesystem, and the sha256 of the regular files of one chosen size."""

    names: list[str]
    digests: dict[str, str]


def image_files(tag: str, digest_size: int | None = None) -> ImageFiles:
    """List an image's filesystem from `docker export` (no tools needed inside the image).

    Args:
        tag: The image.
        digest_size: Also hash the regular files of exactly this many bytes (to look for a known file's bytes).

    Returns:
        The paths, and the digests of the files of `digest_size` bytes.
    """
    container = docker("create", tag).stdout.strip()
    names: list[str] = []
    digests: dict[str, str] = {}
    try:
        proc = subprocess.Popen([DOCKER, "export", container], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            for member in archive:
                names.append(member.name)
                if digest_size is not None and member.isfile() and member.size == digest_size:
                    content = archive.extractfile(member)
                    assert content is not None
                    digests[member.name] = hashlib.sha256(content.read()).hexdigest()
        proc.wait(timeout=300)
    finally:
        docker("rm", "-f", container, check=False)
    return ImageFiles(names=names, digests=digests)
