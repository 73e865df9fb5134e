"""Running replications: the runner, the one parallel executor, parameter sweeps."""
