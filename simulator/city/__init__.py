"""The city: centres built from data, the layout rule, city runs and their results."""
