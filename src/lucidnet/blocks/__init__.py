"""Building blocks: activations, initializers, functional ops, Module and layers."""
