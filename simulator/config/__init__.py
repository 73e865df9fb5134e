"""Configuration: Hydra composition, the frozen Scenario schema, parsing and validation."""
