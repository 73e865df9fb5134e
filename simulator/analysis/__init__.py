"""From raw records to KPIs and results; analytic queueing formulas."""
