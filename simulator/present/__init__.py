"""Presentation: chart style, charts, the HTML report and its readers."""
