"""Training: losses, regularizers, metrics, optimizers, the fit loop and callbacks."""
