"""The docker tests' gate: without docker they skip on a laptop and fail in CI, where skipping would hide a break."""

from __future__ import annotations

import docker_support
import pytest


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_support, "DOCKER", "/nonexistent/bin/docker")


@pytest.mark.usefixtures("no_docker")
def test_missing_docker_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        docker_support.require_docker()


@pytest.mark.usefixtures("no_docker")
def test_missing_docker_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found"):
        docker_support.require_docker()
