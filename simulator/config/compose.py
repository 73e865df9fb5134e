"""Composing scenarios from the Hydra config tree in ``scenarios/``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import ConfigError

if TYPE_CHECKING:
    from simulator.config.scenario import Scenario


def scenarios_dir() -> Path:
    """Folder of the bundled config tree (works after any install)."""
    import scenarios

    return Path(scenarios.__file__).resolve().parent


def run_settings() -> dict[str, Any]:
    """The run settings of a shipped scenario and svcsim's defaults for them: the keys of
    ``scenarios/experiment/default.yaml`` (``replications``, ``seed``, ``charts``,
    ``progress``, ...), in its order."""
    import yaml

    path = scenarios_dir() / "experiment" / "default.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(settings, dict), path
    return {str(k): v for k, v in settings.items()}


def with_run_settings(cfg: dict[str, Any]) -> dict[str, Any]:
    """``cfg`` with every run setting of a shipped scenario (:func:`run_settings`): those it
    lacks get svcsim's defaults. A scenario file written for people to run carries them
    all, so that it takes the same overrides as a shipped scenario (``charts=false``,
    ``progress=true``: Hydra refuses to override a key the file does not have). The run
    settings come first, in the shipped order; the rest keeps its order."""
    out = {k: cfg.get(k, v) for k, v in run_settings().items()}
    out.update(cfg)
    return out


def available_scenarios() -> list[str]:
    """Names accepted by :func:`load_scenario` (primary configs of the tree)."""
    root = scenarios_dir()
    names = []
    for p in sorted(root.rglob("*.yaml")):
        rel = p.relative_to(root).with_suffix("").as_posix()
        top = rel.split("/")[0]
        if "/" not in rel or top in ("validation", "calibrated"):
            names.append(rel)
    return names


def compose_config(name: str = "reference", overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Compose a scenario config with Hydra and return it as a plain, resolved dict.

    ``name`` is a primary config of the bundled tree (``reference``, ``busy``,
    ``validation/mmc``, ``calibrated/<name>``) or a path to a YAML file elsewhere whose
    defaults list may use the bundled groups.
    """
    import yaml
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf import OmegaConf

    from simulator.config.safety import screen_hydra_config, yaml_error_message

    overrides = check_overrides(overrides)
    if not isinstance(name, str | Path):
        raise TypeError(f"name: expected a scenario name or a YAML path, got {name!r}")
    name = str(name)
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        config_dir, config_name = path.resolve().parent, path.stem
        extra = [f"hydra.searchpath=[file://{scenarios_dir()}]"]
    else:
        config_dir, config_name = scenarios_dir(), name
        extra = []
    gh = GlobalHydra.instance()
    was_initialised = gh.is_initialized()
    saved = gh.hydra if was_initialised else None
    if was_initialised:
        gh.clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
            cfg = compose(
                config_name=config_name,
                overrides=[*overrides, *extra],
                return_hydra_config=True,
            )
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_error_message(exc)) from None
    except (HydraException, ValueError) as exc:
        raise ConfigError(
            f"cannot compose scenario {name!r} with overrides {list(overrides)}: {exc}. "
            f"Bundled scenarios: {available_scenarios()}"
        ) from None
    finally:
        if was_initialised and saved is not None:
            gh.clear()
            gh.initialize(saved)
    refused = screen_hydra_config(cfg, where=f"scenario {name!r}")
    if refused:
        lines = "\n  - ".join(refused)
        raise ConfigError(
            f"scenario {name!r} refused: {len(refused)} problem(s)\n  - {lines}", refused
        )
    data = OmegaConf.to_container(
        OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"]), resolve=True
    )
    assert isinstance(data, dict)
    return {str(k): v for k, v in data.items()}


def check_overrides(overrides: Any, key: str = "overrides") -> list[str]:
    """``overrides`` as a list of strings, or TypeError naming ``key``."""
    if isinstance(overrides, str | bytes) or not isinstance(overrides, Sequence):
        raise TypeError(
            f"{key}: expected a list of Hydra overrides such as ['replications=5'], "
            f"got {overrides!r}"
        )
    bad = [o for o in overrides if not isinstance(o, str)]
    if bad:
        raise TypeError(f"{key}: every override must be a string 'key=value', got {bad[0]!r}")
    return list(overrides)


def load_scenario(name: str = "reference", overrides: Sequence[str] = ()) -> Scenario:
    """Compose ``scenarios/<name>.yaml`` with Hydra ``overrides`` and validate it.

    Parameters
    ----------
    name
        Primary config name, e.g. ``"reference"``, ``"busy"``, ``"validation/mmc"``, or a
        path to a scenario YAML file.
    overrides
        Hydra overrides, e.g. ``["layout.windows.comprehensive.count=5", "replications=30"]``.

    Returns
    -------
    Scenario
        Validated and frozen.

    Raises
    ------
    ConfigError
        If the config cannot be composed or fails validation (all problems listed).
    """
    cfg = compose_config(name, overrides)
    label = f"{name}" + (f" with overrides {list(overrides)}" if overrides else "")
    from simulator.config.scenario import scenario_from_config

    return scenario_from_config(cfg, source=label)
