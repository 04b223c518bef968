"""What `minigrad train char_lm --out DIR` writes beside the metrics: three views of the
trained character models.

- gradient flow over training (`char_lm_gradient_flow.npz` and `.svg`): recorded
  while the LSTM trains (`mg.bptt.GradientFlowRecorder`), on fixed validation windows
  of PROBE_STEPS characters with the loss on the prediction of the next character
  only: how far back one prediction's gradient reaches, through all the steps though
  training truncates it at 32;
- the hidden-state view (`char_lm_hidden_states.svg`): the LSTM's h, c and gates
  i f g o over a passage, its most variable units, and the gates' saturation over a
  longer stretch of text (`char_lm_gate_saturation.svg`);
- memory (`char_lm_connectivity.svg`): how strongly each character read moves the
  logit of the next character, for a tanh RNN, the LSTM and a GRU trained alike, each
  row scaled to its largest entry (the view of Distill's "Visualizing memorization
  in RNNs"): how far back each cell's prediction still looks; and
  (`char_lm_memory.svg`) that dependence against the distance k back, the median
  over a longer passage (`mg.bptt.memory_profile`), one line per model.
"""
import os

import numpy as np

import minigrad as mg
from minigrad.creation import tensor
from minigrad.data import char_tokenize
from minigrad.train import sequence_cross_entropy

PROBE_STEPS = 96         # > the tbptt chunk of 32: the flow shows what truncation cuts
PROBE_WINDOWS = 8
PROBE_RECORDS = 20      # records over the run (each costs about a second at h=128)
PASSAGE = 72             # characters in the hidden-state view
CONNECTIVITY_PASSAGE = 49  # characters of the connectivity heatmaps (48 steps)
PROFILE_TEXT = 161       # characters the memory profile is the median over
PROFILE_LAGS = 60        # ... up to this many characters back
SATURATION_TEXT = 2000   # characters the saturation is measured over
NAMES = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}


def gradient_flow_recorder(val_ids, every):
    """A recorder of the LSTM's W_hh and h_t on PROBE_WINDOWS validation windows of
    PROBE_STEPS characters, with the loss on the prediction of the character after
    each window only: how far back the gradient of one prediction reaches."""
    starts = np.linspace(0, len(val_ids) - PROBE_STEPS - 1, PROBE_WINDOWS).astype(np.int64)
    windows = np.stack([val_ids[s:s + PROBE_STEPS + 1] for s in starts])
    x_probe, y_probe = tensor(windows[:, :-1]), tensor(windows[:, -1:])

    def probe(model):
        logits, _ = model(x_probe)
        return sequence_cross_entropy(logits[:, -1:], y_probe)
    return mg.bptt.GradientFlowRecorder(probe, "rnn.weight_hh_l0", every=every)


def passage(text, length, start_at=0):
    """`length` characters of `text` from the first line start at or after `start_at`."""
    start = text.find("\n", start_at) + 1
    return text[start:start + length]


def write_views(out_dir, models, vocab, val_text, flow):
    """Write the views of the module docstring; returns the files' names."""
    from minigrad.viz.charts import gradient_norm_chart
    from minigrad.viz.connectivity_heatmap import connectivity_heatmap
    from minigrad.viz.gradient_flow_chart import gradient_flow_chart
    from minigrad.viz.state_heatmap import gate_saturation_chart, hidden_state_heatmap
    os.makedirs(out_dir, exist_ok=True)
    files = []

    def path(name):
        files.append(name)
        return os.path.join(out_dir, name)

    flow.save(path("char_lm_gradient_flow.npz"))
    gradient_flow_chart(flow, path("char_lm_gradient_flow.svg"),
                        title=f"Character LSTM: gradient flow over training; loss on the "
                              f"prediction after {PROBE_STEPS} validation characters\n(training "
                              f"truncates BPTT at 32; dark at the left: the gradient of that "
                              f"prediction does not reach those steps)")
    lstm = models["lstm"]
    shown = passage(val_text, PASSAGE)
    trajectories = _trajectories(lstm, vocab, shown)
    units = mg.bptt.pick_units(trajectories.values["h"], "variance", 16)
    hidden_state_heatmap(trajectories, shown, path("char_lm_hidden_states.svg"), units=units,
                         title=f"Character LSTM: states and gates over a validation passage "
                               f"({len(units)} most variable units of h; the state starts at "
                               f"0 on its first character)")
    long_text = passage(val_text, SATURATION_TEXT)
    saturation = mg.bptt.gate_saturation(_trajectories(lstm, vocab, long_text))
    gate_saturation_chart(saturation, path("char_lm_gate_saturation.svg"),
                          title=f"Character LSTM: gate saturation over {len(long_text)} "
                                f"validation characters (one dot per unit)")
    order = [kind for kind in ("rnn", "lstm", "gru") if kind in models]
    short = passage(val_text, CONNECTIVITY_PASSAGE)
    matrices = {NAMES[kind]: next_character_connectivity(models[kind], vocab, short)
                for kind in order}
    connectivity_heatmap(matrices, path("char_lm_connectivity.svg"), relative=True,
                         input_labels=short[:-1], output_labels=short[1:], per_row=1,
                         xlabel="character read (step s)",
                         ylabel="character predicted (step t)",
                         title="How far back each prediction looks: ||d logit_t(next "
                               "character) / d embedding_s||,\neach row scaled to its largest; "
                               "character models trained alike, on a validation passage")
    long_text = passage(val_text, PROFILE_TEXT)
    profiles = {NAMES[kind]: mg.bptt.memory_profile(
        next_character_connectivity(models[kind], vocab, long_text))[:PROFILE_LAGS + 1]
        for kind in order}
    gradient_norm_chart(profiles, path("char_lm_memory.svg"),
                        title=f"Memory: how much the next-character logit depends on the "
                              f"character k back\n(median over {len(long_text) - 1} validation "
                              f"positions, each relative to its strongest)",
                        xlabel="k: characters back", ylabel="relative ||d logit / d embedding||")
    return files


def _trajectories(model, vocab, text):
    ids = vocab.encode(char_tokenize(text))
    model.eval()
    try:
        logits, _ = model(tensor(ids[None, :]))    # keeps the graph read below alive
        return mg.bptt.state_trajectories(model.rnn)
    finally:
        model.train()


def next_character_connectivity(model, vocab, text):
    """C[t, s] = ||d logit_t(c_{t+1}) / d e_s|| over `text` (c_0 .. c_T): the logit of the
    character that comes next, at each step t, against the embedding e_s of each
    character read; (T, T) for T = len(text) - 1."""
    ids = vocab.encode(char_tokenize(text))
    x, targets = ids[None, :-1], ids[1:]
    model.eval()
    try:
        embedded = model.embedding(tensor(x))                      # (1, T, E)
        out, _ = model.rnn(embedded)
        logits = model.fc(out)                                     # (1, T, V)
        chosen = np.zeros(logits.shape, dtype=logits.data.dtype)
        chosen[0, np.arange(len(targets)), targets] = 1.0
        picked = (logits * tensor(chosen)).sum(axis=-1)            # (1, T)
        return mg.bptt.connectivity(picked, embedded, time_axis=1)
    finally:
        model.train()
