"""Recommendation: options and cost, screening, selection statistics, hour-by-hour staffing."""
