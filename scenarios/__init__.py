"""The Hydra config tree of svcsim scenarios (package data, usable after any install)."""
