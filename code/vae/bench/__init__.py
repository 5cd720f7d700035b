"""`make bench`: the speed of training and evaluation on this machine (timings.py), written to
bench.json (results.py), which the report's appendix prints.

May import the core only.
"""
