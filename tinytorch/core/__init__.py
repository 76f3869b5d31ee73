"""The framework modules 01-15 built: tensors with autograd, layers, losses, optimizers."""
