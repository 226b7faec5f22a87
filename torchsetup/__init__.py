"""torchsetup: set up PyTorch on a new machine and prove that it works."""

__version__ = "0.1.0"
