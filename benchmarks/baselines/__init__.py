"""Hand-written numpy (and micrograd) baselines that minigrad's benchmarks are measured against.

Each module exposes plain functions: make the parameters, make a batch, and
compute the loss with all its gradients. See ``benchmarks/README.md``.
"""
