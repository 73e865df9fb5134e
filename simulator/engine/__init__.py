"""The simulation engine: demand draws, the centre model (SimPy), calling policies, districts."""
