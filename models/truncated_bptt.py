"""Truncated backpropagation through time: a long sequence in chunks of k steps.

The state is carried from one chunk to the next (the model is "stateful"), but
DETACHED, so each chunk's backward pass stops at the chunk's first step: memory
and time per update are O(k) instead of O(L).

    state = None
    for i, (x_chunk, y_chunk) in enumerate(tbptt_chunks(x, y, k)):
        out, state = lstm(x_chunk, state, first_step=i * k)
        loss = loss_fn(out, y_chunk)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state = detach_state(state)     # keep the values, cut the graph

Without `detach_state`, the second chunk's backward would run into the first
chunk's graph (already freed by its backward: an error, or with retain_graph,
full BPTT at growing cost).

`first_step=i * k` scopes chunk i at its absolute time steps t{i*k} .. t{i*k + k-1}
(the outputs are the same without it). Left out, every chunk is labelled from t0,
so `mg.bptt.per_step_grads` and `mg.render` would put chunk i's steps at 0 .. k-1.
"""
from minigrad.train.tbptt import detach_state, tbptt_chunks  # noqa: F401  (defined with the training loop)
