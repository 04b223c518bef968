"""Shapes, padding, gradients and input errors of models/architectures."""
import numpy as np
import pytest

import minigrad as mg
from models.architectures import (AdditiveAttention, AttentionSeq2Seq, Conv1dClassifier,
                                  DotProductAttention, Seq2Seq, SequenceClassifier,
                                  SequenceGenerator, SequenceTagger, make_recurrent)

IDS = mg.tensor(np.array([[3, 4, 5, 6], [1, 2, 0, 0]]))
LENGTHS = np.array([4, 2])


@pytest.mark.parametrize("rnn", ["rnn", "irnn", "lstm", "gru"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_classifier_shape_and_padding_invariance(rnn, pooling):
    mg.manual_seed(0)
    model = SequenceClassifier(10, 4, 5, 3, rnn=rnn, pooling=pooling)
    out = model(IDS, lengths=LENGTHS)
    assert out.shape == (2, 3)
    alone = model(mg.tensor(np.array([[1, 2]])))     # the second row without its padding
    np.testing.assert_allclose(out.data[1], alone.data[0], rtol=1e-5, atol=1e-6)


def test_bidirectional_classifier_ignores_padding():
    mg.manual_seed(0)
    model = SequenceClassifier(10, 4, 5, 2, rnn="gru", bidirectional=True)
    out = model(IDS, lengths=LENGTHS)
    alone = model(mg.tensor(np.array([[1, 2]])))
    np.testing.assert_allclose(out.data[1], alone.data[0], rtol=1e-5, atol=1e-6)


def test_irnn_initialisation():
    layer = make_recurrent("irnn", 3, 4)
    params = dict(layer.named_parameters())
    np.testing.assert_array_equal(params["weight_hh_l0"].data, np.eye(4))
    assert np.all(params["bias_ih_l0"].data == 0) and np.all(params["bias_hh_l0"].data == 0)
    assert np.abs(params["weight_ih_l0"].data).max() < 0.01


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_classifier_gradcheck_float64(pooling):
    mg.manual_seed(1)
    model = SequenceClassifier(None, 2, 3, 2, rnn="lstm", pooling=pooling).double()
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 3, 2)), requires_grad=True)
    w = model.rnn.weight_hh_l0
    assert mg.gradcheck(lambda x, w: model(x, lengths=[3, 2]), (x, w))


def test_tagger_shape_and_gradcheck():
    mg.manual_seed(0)
    model = SequenceTagger(10, 4, 3, 5)
    assert model(IDS, lengths=LENGTHS).shape == (2, 4, 5)
    small = SequenceTagger(None, 2, 2, 3, rnn="gru").double()
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 3, 2)), requires_grad=True)
    assert mg.gradcheck(lambda x: small(x), (x,))


def test_generator_shapes_context_and_greedy_determinism():
    mg.manual_seed(0)
    model = SequenceGenerator(10, 4, 6, rnn="gru", context_size=3)
    logits, hx = model(IDS)
    assert logits.shape == (2, 4, 10) and hx.shape == (1, 2, 6)
    context = mg.randn(2, 3)
    a = model.generate(np.array([1, 2]), 7, context=context, greedy=True)
    b = model.generate(np.array([1, 2]), 7, context=context, greedy=True)
    assert a.shape == (2, 7) and a.dtype == np.int64
    np.testing.assert_array_equal(a, b)
    sampled = model.generate(np.array([1, 2]), 7, temperature=0.5,
                             rng=np.random.default_rng(0))
    assert sampled.min() >= 0 and sampled.max() < 10
    with pytest.raises(ValueError, match="temperature"):
        model.generate(np.array([1]), 3, temperature=0)


def test_generator_state_carries_across_calls():
    """Feeding a sequence in two halves with the state passed on = feeding it whole."""
    mg.manual_seed(0)
    model = SequenceGenerator(10, 4, 6, rnn="lstm")
    whole, _ = model(IDS)
    first, hx = model(IDS[:, :2])
    second, _ = model(IDS[:, 2:], hx)
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), whole.data,
                               rtol=1e-5, atol=1e-6)


def test_generator_gradcheck_float64():
    mg.manual_seed(0)
    model = SequenceGenerator(5, 2, 3, rnn="lstm").double()
    w = model.rnn.weight_ih_l0
    ids = mg.tensor(np.array([[1, 2, 3]]))
    assert mg.gradcheck(lambda w: model(ids)[0], (w,))


@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_attention_weights_sum_to_one_over_valid_steps(attention):
    mg.manual_seed(0)
    model = AttentionSeq2Seq(10, 11, 4, 6, attention=attention, bos_index=10)
    logits, weights = model(IDS, IDS, src_lengths=LENGTHS)
    assert logits.shape == (2, 4, 11) and weights.shape == (2, 4, 4)
    np.testing.assert_allclose(weights.data.sum(-1), 1.0, rtol=1e-5)
    assert np.all(weights.data[1, :, 2:] == 0)                # padded source steps
    ids, w = model.greedy_decode(IDS, 5, src_lengths=LENGTHS)
    assert ids.shape == (2, 5) and w.shape == (2, 5, 4)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("cls", [AdditiveAttention, DotProductAttention])
def test_attention_gradcheck_float64(cls):
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    module = (cls(3, 3, 4) if cls is AdditiveAttention else cls(scaled=True)).double()
    q = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    k = mg.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    mask = np.array([[True, True, True, False], [True, True, True, True]])
    assert mg.gradcheck(lambda q, k: module(q, k, mask), (q, k))


def test_attention_seq2seq_gradcheck_float64():
    mg.manual_seed(0)
    model = AttentionSeq2Seq(4, 5, 2, 2, attention="additive", bos_index=4).double()
    src, tgt = mg.tensor(np.array([[1, 2, 3]])), mg.tensor(np.array([[3, 2]]))
    w = model.attention.v.weight
    assert mg.gradcheck(lambda w: model(src, tgt)[0], (w,))


def test_seq2seq_shapes_teacher_forcing_and_decoding():
    mg.manual_seed(0)
    model = Seq2Seq(10, 11, 4, 6, bos_index=10)
    assert model(IDS, IDS, src_lengths=LENGTHS).shape == (2, 4, 11)
    assert model(IDS, IDS, teacher_forcing_ratio=0.0).shape == (2, 4, 11)
    assert model.greedy_decode(IDS, 3).shape == (2, 3)


def test_seq2seq_teacher_forcing_ratio_one_matches_stepwise_decoding():
    """Step-by-step with the true previous token == the one-shot teacher-forced pass."""
    mg.manual_seed(0)
    model = Seq2Seq(10, 11, 4, 6, bos_index=10)
    full = model(IDS, IDS).data
    _, state = model.encoder(IDS)
    token = np.full(2, 10)
    for t in range(4):
        logits, state = model.step(token, state)
        np.testing.assert_allclose(logits.data, full[:, t], rtol=1e-5, atol=1e-6)
        token = IDS.data[:, t]


def test_conv1d_classifier_shapes_and_padding():
    mg.manual_seed(0)
    model = Conv1dClassifier(10, 4, 5, 2, kernel_size=2)
    out = model(IDS, lengths=LENGTHS)
    alone = model(mg.tensor(np.array([[1, 2]])))
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out.data[1], alone.data[0], rtol=1e-5, atol=1e-6)
    assert Conv1dClassifier(10, 4, 5, 2, kernel_size=2, pool_size=2)(IDS).shape == (2, 2)


def test_bad_inputs_are_explained():
    mg.manual_seed(0)
    clf = SequenceClassifier(10, 4, 5, 2)
    with pytest.raises(ValueError, match="lengths has shape"):
        clf(IDS, lengths=[4, 2, 1])
    with pytest.raises(ValueError, match="lengths must lie"):
        clf(IDS, lengths=[5, 2])
    with pytest.raises(ValueError, match=r"expected \(N, L\)"):
        clf(mg.tensor(np.array([1, 2, 3])))
    with pytest.raises(ValueError, match="pooling"):
        SequenceClassifier(10, 4, 5, 2, pooling="median")
    with pytest.raises(ValueError, match="attention"):
        AttentionSeq2Seq(10, 11, 4, 6, attention="cosine")
    with pytest.raises(ValueError, match="kind"):
        make_recurrent("transformer", 2, 2)
    with pytest.raises(ValueError, match="shorter than the kernel"):
        Conv1dClassifier(10, 4, 5, 2, kernel_size=5)(IDS)
    with pytest.raises(ValueError, match="do not fit"):
        DotProductAttention()(mg.randn(2, 3), mg.randn(3, 4, 3))
