"""Split raw text into tokens: words (punctuation split off) or characters."""
import re

# A word is a run of letters/digits, optionally with inner apostrophes
# ("don't", "know't"); any other non-space character is a token of its own.
_WORD_OR_PUNCT = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


def word_tokenize(text, lower=True):
    """Split `text` into words, with punctuation split off as separate tokens.

    Args:
        text: a string.
        lower: lower-case the text first.
    Returns:
        list of str, e.g. "Not bad, at all!" -> ["not", "bad", ",", "at", "all", "!"];
        "don’t" (typographic apostrophe) -> ["don't"].
    """
    if not isinstance(text, str):
        raise ValueError(f"word_tokenize: expected a str, got {type(text).__name__}")
    if lower:
        text = text.lower()
    # a typographic apostrophe (don’t) is the same word as a straight one (don't)
    return _WORD_OR_PUNCT.findall(text.replace("\u2019", "'"))


def char_tokenize(text, lower=False):
    """Split `text` into its characters (spaces and newlines included).

    Returns:
        list of str of length len(text).
    """
    if not isinstance(text, str):
        raise ValueError(f"char_tokenize: expected a str, got {type(text).__name__}")
    return list(text.lower() if lower else text)


def tokenize_corpus(texts, level="word", lower=True):
    """Tokenize every text of a corpus.

    Args:
        texts: iterable of str.
        level: "word" or "char".
        lower: lower-case first.
    Returns:
        list of token lists, one per text.
    """
    if isinstance(texts, str):
        raise ValueError("tokenize_corpus: expected a list of texts, got one str (wrap it: "
                         "tokenize_corpus([text]), or call word_tokenize(text))")
    if level == "word":
        return [word_tokenize(t, lower=lower) for t in texts]
    if level == "char":
        return [char_tokenize(t, lower=lower) for t in texts]
    raise ValueError(f"tokenize_corpus: level={level!r}, expected 'word' or 'char'")
