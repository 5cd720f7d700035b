"""The measuring instrument: a digit classifier (classifier.py) that reads what each trained
model reconstructs, samples and interpolates (readings.py, along the codes of latent_paths.py)
and writes measurements.json (measurements.py), redone only when freshness.py finds it stale.

May import the core, never the report or the bench.
"""
