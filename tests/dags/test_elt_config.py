"""config.yaml: the shipped file is valid, agrees with the extractor, and bad shapes fail in one line."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from extract.errors import ExitCode
from extract.registry import SOURCES
from tests.dags.render import DAGS_DIR, get_dag

get_dag()  # dags/ on sys.path, as in Composer
from elt.config import ConfigError, load_config, parse_config  # noqa: E402
from elt.exit_codes import decide_retry  # noqa: E402

RAW = yaml.safe_load((DAGS_DIR / "elt" / "config.yaml").read_text(encoding="utf-8"))


def test_shipped_config_sources_are_the_extractors_sources() -> None:
    assert set(load_config().sources) == set(SOURCES)


def test_retryable_exit_codes_are_exactly_the_extractors_transient_code() -> None:
    cfg = load_config()
    assert cfg.retries.retryable_exit_codes == {ExitCode.TRANSIENT}
    for code in ExitCode:
        if code is ExitCode.OK:
            continue
        decision = decide_retry(int(code), "Error", cfg.retries.retryable_exit_codes)
        assert decision.retry is (code is ExitCode.TRANSIENT), code


def test_heavy_sources_request_four_cpus_and_eight_gib() -> None:
    cfg = load_config()
    for source in ("mysql", "mongodb"):
        assert cfg.sources[source].resources.cpu == "4"
        assert cfg.sources[source].resources.memory == "8Gi"


def test_required_variables_are_those_without_a_default() -> None:
    cfg = load_config()
    assert set(cfg.required_variables) == {k for k, v in RAW["variables"].items() if v is None}
    assert "elt_image_tag" in cfg.required_variables


def _mutated(path: list[str], value: object) -> dict:
    doc = copy.deepcopy(RAW)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["dag", "schedule"], "0 0 * *", "dag: schedule"),
        (["dag", "start_date"], "2024-01-01T00:00:00", "dag: start_date"),
        (["dag", "start_date"], "2024-01-01T00:00:00+02:00", "dag: start_date"),
        (["dag", "owner"], "", "dag: owner"),
        (["cluster", "namespace"], "Composer_User", "cluster: namespace"),
        (["sources", "mysql", "resources", "memory"], "8 gigs", "sources: mysql: resources: memory"),
        (["sources", "mysql", "execution_timeout_minutes"], 0, "execution_timeout_minutes"),
        (["sources", "mysql", "secrets"], [{"env": "lower_case", "secret": "elt-mysql", "key": "k"}], "env"),
        (["retries", "retryable_exit_codes"], [75, 300], "retryable_exit_codes"),
        (["retries", "max_delay_seconds"], 1, "max_delay_seconds"),
        (["sources"], {}, "at least one source"),
        (["variables", "elt_image_tag"], 5, "variables: elt_image_tag"),
    ],
)
def test_bad_config_fails_with_one_line_naming_the_field(path: list[str], value: object, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_config(_mutated(path, value), where="config.yaml")
    text = str(excinfo.value)
    assert message in text
    assert "\n" not in text


def test_unreadable_config_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("dag: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot read config"):
        load_config(bad)
