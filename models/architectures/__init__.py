"""The RNN taxonomy as models: many-to-one, many-to-many (synchronized and delayed),
one-to-many, and attention; plus a Conv1d baseline."""
from .attention import AdditiveAttention, DotProductAttention, masked_softmax
from .attention_seq2seq import AttentionSeq2Seq
from .classifier import SequenceClassifier
from .conv1d_classifier import Conv1dClassifier
from .generator import SequenceGenerator
from .recurrent import init_identity_recurrence, last_layer_state, make_recurrent
from .seq2seq import Encoder, Seq2Seq
from .tagger import SequenceTagger

__all__ = ["SequenceClassifier", "SequenceTagger", "SequenceGenerator", "Seq2Seq",
           "AttentionSeq2Seq", "Encoder", "AdditiveAttention", "DotProductAttention",
           "masked_softmax", "Conv1dClassifier", "make_recurrent", "init_identity_recurrence",
           "last_layer_state"]
