"""One composition of the config for a single run, where Hydra makes two.

Before a run, Hydra composes the app's config once only to read ``hydra.mode``
(``Hydra.get_mode``, composed as for a multirun), then again for the run itself: about a
tenth of a second each for the shipped scenarios. Within :func:`composed_once` the first
composition is made as the run's own (``RunMode.RUN``) and, when it asks for a single
run, handed to the run instead of composing again. A config that does not compose that
way (a sweep override, a bad key) or asks for a multirun leaves Hydra to do as it does
without this context: same config, same errors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["MODE_OVERRIDE", "composed_once"]

#: The override Hydra adds for a single run when the config sets no ``hydra.mode``
#: (``hydra._internal.utils._run_app``).
MODE_OVERRIDE = "hydra.mode=RUN"


@contextlib.contextmanager
def composed_once() -> Iterator[None]:
    """While active, Hydra composes the config of a single run once (see module doc)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.hydra import Hydra
    from hydra.types import RunMode

    original_get_mode = Hydra.get_mode
    original_load = ConfigLoaderImpl.load_configuration
    kept: dict[tuple[Any, ...], Any] = {}

    def get_mode(self: Any, config_name: Any, overrides: list[str]) -> Any:
        kept.clear()
        try:
            cfg = self.config_loader.load_configuration(
                config_name=config_name, overrides=list(overrides), run_mode=RunMode.RUN
            )
        except Exception:
            return original_get_mode(self, config_name, overrides)
        mode = cfg.hydra.mode
        if mode == RunMode.MULTIRUN:
            return mode
        run_overrides = list(overrides)
        if mode is None:
            # What composing with Hydra's own MODE_OVERRIDE appended gives: the mode set,
            # and the override listed last among the Hydra overrides.
            cfg.hydra.mode = RunMode.RUN
            cfg.hydra.overrides.hydra.append(MODE_OVERRIDE)
            run_overrides.append(MODE_OVERRIDE)
        kept[(config_name, tuple(run_overrides))] = cfg
        return mode

    def load_configuration(
        self: Any,
        config_name: Any,
        overrides: list[str],
        run_mode: Any,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> Any:
        cfg = kept.pop((config_name, tuple(overrides)), None)
        kept.clear()
        if cfg is not None and run_mode == RunMode.RUN and from_shell and validate_sweep_overrides:
            return cfg
        return original_load(
            self,
            config_name=config_name,
            overrides=overrides,
            run_mode=run_mode,
            from_shell=from_shell,
            validate_sweep_overrides=validate_sweep_overrides,
        )

    Hydra.get_mode = get_mode  # type: ignore[method-assign]
    ConfigLoaderImpl.load_configuration = load_configuration  # type: ignore[method-assign]
    try:
        yield
    finally:
        Hydra.get_mode = original_get_mode  # type: ignore[method-assign]
        ConfigLoaderImpl.load_configuration = original_load  # type: ignore[method-assign]
