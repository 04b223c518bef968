"""Graph capture and BPTT analysis (`mg.trace`, `mg.bptt`).

    graph = mg.trace(loss, modules=model)     # Graph: nodes, edges, outputs
    graph.backward()                          # records gradient norms per node/edge
    G = graph.to_networkx()                   # MultiDiGraph, edge key = input_index
"""
from .capture import Graph, observing, parse_scope, trace
from . import bptt
from .bptt import enumerate_paths, hidden_grad_norms, per_step_grads
