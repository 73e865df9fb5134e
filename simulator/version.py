"""Package version and provenance of a run (for manifests and chart footers)."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any


def package_version() -> str:
    try:
        return metadata.version("svcsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _git(*args: str) -> str | None:
    """Output of a git command run in the source tree (None if git is unavailable)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str | None:
    """The git commit of the source tree, if it is a git checkout (else None)."""
    commit = _git("rev-parse", "--short", "HEAD")
    if commit is None:
        return None
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return commit + ("-dirty" if dirty else "")


def run_metadata() -> dict[str, Any]:
    """Version information recorded with every result."""
    return {"svcsim_version": package_version(), "git_commit": git_commit()}


def code_version(meta: dict[str, Any] | None = None) -> str:
    """Short label for chart footers: version and commit, from ``meta`` (the
    :func:`run_metadata` recorded with a result) when it has them, else of this checkout
    now."""
    if not meta or "svcsim_version" not in meta or "git_commit" not in meta:
        meta = run_metadata()
    commit = meta["git_commit"]
    return f"svcsim {meta['svcsim_version']}" + (f" ({commit})" if commit else "")
