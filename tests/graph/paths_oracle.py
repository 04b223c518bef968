"""The test oracle for lit gradient paths: which edges of a captured graph lie on some
path from a node to the loss, found with networkx, independently of the explorer's and
render's own path code."""
import networkx as nx


def paths_to_the_loss(graph, source):
    """Indices of the graph edges on some path source -> loss, edge by edge: source
    reaches the edge's tail and the edge's head reaches the loss."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((s, d) for s, d, _ in graph.edges)
    loss = graph.outputs[0]
    return {i for i, (s, d, _) in enumerate(graph.edges)
            if nx.has_path(g, source, s) and nx.has_path(g, d, loss)}
