"""The training core: the algorithm and its files. A config (config.py) names a model
(model.py), trained on MNIST (data.py) by minimising the negative ELBO (losses.py) in train.py,
evaluated in evaluate.py, and stored in its run folder (runs.py) under a hash of its settings
and of the code that trains it (cache_keys.py); jobs.py trains many runs side by side.

Imports nothing else of the package: the core stands alone (its error is errors.VaeError, which
the package root hands to every other layer).
"""
