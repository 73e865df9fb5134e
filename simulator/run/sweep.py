"""Parameter sweeps with ``svcsim --multirun``: resumable jobs and one tidy results table.

Two pieces, both driven by the config (``scenarios/sweep/default.yaml``, selected
automatically by ``svcsim --multirun``):

* **Resume.** When a job of a multirun finishes, it writes ``done.json`` into its output
  folder: a hash of the resolved config (which includes the seed), the seed, the
  overrides and the code version. A job whose folder (or any other job folder of the
  same ``hydra.sweep.dir``) already holds a marker with the same hash does not simulate
  again: it reloads the finished summary. So an interrupted sweep rerun with the same
  ``hydra.sweep.dir`` runs only what had not finished.
* **Gathering.** :class:`SweepTable` is a Hydra callback; ``on_multirun_end`` reads every
  finished job of the sweep folder and writes ``sweep_results.csv``: one row per job and
  KPI with the job's overrides (as one string and one column per override key), seed,
  code version, ``mean``, ``ci_low``, ``ci_high``, ``std`` and ``n``.

Everything works the same with the basic, joblib and submitit (SLURM or local)
launchers: markers and summaries are plain files in the sweep folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger("svcsim.sweep")

#: Marker written by a finished job.
MARKER = "done.json"
#: Files a finished job owns (copied when a job reuses another folder's results).
JOB_FILES = (
    "summary.csv",
    "replications.csv",
    "hourly.csv",
    "hourly_summary.csv",
    "by_family.csv",
    "family_summary.csv",
    "manifest.json",
    "wait_ecdf.png",
    "queue_by_hour.png",
    "utilisation_by_hour.png",
)
#: Folder (inside the sweep folder) keeping finished results a reordered sweep displaced.
STASH = ".svcsim_finished"
#: Top-level keys that never change results (left out of the job hash).
NON_SEMANTIC_KEYS = ("progress", "workers", "hydra")

__all__ = [
    "MARKER",
    "SweepTable",
    "config_hash",
    "find_finished",
    "gather_sweep",
    "write_marker",
]


def _canonical(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [_canonical(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    return obj


def config_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex, 16 characters) of a resolved config, seed included.

    Keys that do not change results (``progress``, ``workers``, ``hydra``) are left out;
    mapping order does not matter; ``5`` and ``5.0`` hash alike.
    """
    data = {k: v for k, v in config.items() if k not in NON_SEMANTIC_KEYS}
    text = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_marker(out_dir: Path, *, digest: str, seed: int, overrides: Iterable[str]) -> Path:
    """Write ``done.json`` atomically (write a temporary file, then rename)."""
    from simulator.version import code_version

    marker = {
        "hash": digest,
        "seed": int(seed),
        "overrides": list(overrides),
        "code_version": code_version(),
    }
    path = out_dir / MARKER
    tmp = out_dir / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def find_finished(out_dir: Path, digest: str, sweep_dir: Path | None = None) -> Path | None:
    """Folder of a finished job with this config hash: ``out_dir`` itself first, then any
    job folder under ``sweep_dir``. ``None`` when the job has to run."""
    candidates = [out_dir / MARKER]
    if sweep_dir is not None and sweep_dir.exists():
        candidates += sorted(sweep_dir.rglob(MARKER))
    for marker in candidates:
        data = _read_marker(marker) if marker.exists() else None
        if data and data.get("hash") == digest and (marker.parent / "summary.csv").exists():
            return marker.parent
    return None


def stash_stale(out_dir: Path, sweep_dir: Path) -> None:
    """Before a job runs in ``out_dir``, move aside results of *another* finished config
    there (a reordered sweep) into ``sweep_dir/.svcsim_finished/<hash>/``, where a later
    job with that config still finds them."""
    marker = out_dir / MARKER
    data = _read_marker(marker) if marker.exists() else None
    if data is None:
        marker.unlink(missing_ok=True)
        return
    dest = sweep_dir / STASH / str(data.get("hash", "unknown"))
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*JOB_FILES, MARKER):
        src = out_dir / name
        if src.exists():
            os.replace(src, dest / name)


def reuse_finished(found: Path, out_dir: Path) -> None:
    """Make ``out_dir`` hold the results of the finished job in ``found`` (copying files
    when the sweep was reordered and the same config now has another job number)."""
    if found.resolve() == out_dir.resolve():
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in (*JOB_FILES, MARKER):
        src = found / name
        if src.exists():
            shutil.copy2(src, out_dir / name)


def gather_sweep(sweep_dir: Path) -> pd.DataFrame:
    """One tidy table of every finished job under ``sweep_dir``.

    Columns: ``job`` (folder relative to the sweep folder), ``overrides`` (space
    separated), one column per override key, ``seed``, ``code_version``, ``kpi``,
    ``mean``, ``ci_low``, ``ci_high``, ``std``, ``n``.
    """
    frames = []
    for marker in sorted(sweep_dir.rglob(MARKER)):
        if STASH in marker.parts:
            continue
        info = _read_marker(marker)
        summary_path = marker.parent / "summary.csv"
        if info is None or not summary_path.exists():
            continue
        summary = pd.read_csv(summary_path)
        job = marker.parent.relative_to(sweep_dir).as_posix()
        overrides = [str(o) for o in info.get("overrides", [])]
        head: dict[str, Any] = {"job": job, "overrides": " ".join(overrides)}
        for o in overrides:
            key, _, value = o.partition("=")
            head[key.lstrip("+~")] = value
        head["seed"] = info.get("seed")
        head["code_version"] = info.get("code_version")
        frame = summary.assign(**head)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            columns=["job", "overrides", "seed", "code_version", "kpi", "mean", "ci_low", "ci_high"]
        )
    table = pd.concat(frames, ignore_index=True)
    first = ["job", "overrides"]
    extra = [c for c in table.columns if c not in first and c not in summary.columns]
    extra = [c for c in extra if c not in ("seed", "code_version")]
    stats = [c for c in ("kpi", "mean", "ci_low", "ci_high", "std", "n") if c in table.columns]
    ordered = first + extra + ["seed", "code_version"] + stats
    table = table[ordered + [c for c in table.columns if c not in ordered]]
    table["_num"] = pd.to_numeric(table["job"].str.extract(r"(\d+)$")[0], errors="coerce")
    table = table.sort_values(["_num", "job"], kind="stable").drop(columns="_num")
    return table.reset_index(drop=True)


try:  # Hydra is a core dependency; the guard keeps this module importable without it.
    from hydra.experimental.callback import Callback as _HydraCallback
except ImportError:  # pragma: no cover
    _HydraCallback = object  # type: ignore[misc,assignment]


class SweepTable(_HydraCallback):
    """Hydra callback: when a multirun ends, gather the finished jobs into one table.

    Register it in the config (``scenarios/sweep/default.yaml``)::

        hydra:
          callbacks:
            sweep_table:
              _target_: simulator.run.sweep.SweepTable
              filename: sweep_results.csv
    """

    def __init__(self, filename: str = "sweep_results.csv") -> None:
        self.filename = filename

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        if not sweep_dir.is_absolute():
            sweep_dir = Path.cwd() / sweep_dir
        table = gather_sweep(sweep_dir)
        path = sweep_dir / self.filename
        table.to_csv(path, index=False)
        n_jobs = table["job"].nunique() if len(table) else 0
        log.info("sweep table: %d jobs -> %s", n_jobs, path)
        print(f"Sweep table ({n_jobs} jobs) written to {path}")
