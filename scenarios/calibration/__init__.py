"""Hydra config of the ``svcsim-calibrate`` app (``calibrate.yaml``)."""
