"""A variational autoencoder on MNIST, written to be read beside its derivations."""


class VaeError(Exception):
    """A user-facing failure: the message names the file or option and the fix."""
