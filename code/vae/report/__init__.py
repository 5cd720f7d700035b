"""The report's numbers, sentences and figures. summary.py gathers each config's numbers over
seeds (numbers.py), the study's comparisons (comparisons.py, tested by statistics.py) and the
instrument's readings into summary.json; discussion.py writes Part II's sentences from it in
English (wording.py) with LaTeX numbers (latex.py); figures.py draws the figures that
figure_stamps.py finds stale, one module per kind (training_figure.py, digit_figures.py,
latent_figures.py, with images.py and style.py).

May import the instrument and the core, never the bench.
"""
