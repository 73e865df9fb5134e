"""Static description of a centre.

Calendar, catalogue, distributions, random streams, cross-province and back-office
parameters: value objects that the engine reads and never changes.
"""
