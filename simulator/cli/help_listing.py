"""A faster ``--help`` for the Hydra command lines, with the same text.

Hydra's help lists every config group; for each group (and each of its three passes over
the groups) it builds a new config repository, deep-copying every config source, so
``svcsim --help`` spent most of a second copying the same repository some 140 times.
Within one help request the repository for a given primary config and overrides is
the same each time, so :func:`reused_group_listing` keeps the first one and the listing
of each group (a help request ends the program).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["asks_for_help", "reused_group_listing"]


def asks_for_help(argv: list[str]) -> bool:
    """True when the command line asks Hydra for help (the app's or Hydra's)."""
    return any(a in ("--help", "-h", "--hydra-help") for a in argv)


@contextlib.contextmanager
def reused_group_listing() -> Iterator[None]:
    """While active, Hydra's config loader lists each config group once per primary
    config and overrides, from one repository built once."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.object_type import ObjectType

    original = ConfigLoaderImpl.get_group_options
    repos: dict[tuple[Any, ...], Any] = {}
    listings: dict[tuple[Any, ...], list[str]] = {}

    def group_options(
        self: Any,
        group_name: str,
        results_filter: Any = ObjectType.CONFIG,
        config_name: Any = None,
        overrides: list[str] | None = None,
    ) -> list[str]:
        key = (id(self), config_name, tuple(overrides or ()))
        if key not in repos:
            repos[key] = self._parse_overrides_and_create_caching_repo(
                config_name, list(overrides or ())
            )[1]
        listing_key = (*key, group_name, results_filter)
        if listing_key not in listings:
            listings[listing_key] = repos[key].get_group_options(group_name, results_filter)
        return list(listings[listing_key])

    ConfigLoaderImpl.get_group_options = group_options  # type: ignore[method-assign]
    try:
        yield
    finally:
        ConfigLoaderImpl.get_group_options = original  # type: ignore[method-assign]
