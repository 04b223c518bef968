"""Characters as tick labels: the invisible ones made visible."""

VISIBLE = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5", "\r": "\u240d"}  # ␣ ↵ ⇥ ␍
FONT = "DejaVu Sans Mono"   # has every glyph above; matplotlib ships it


def character_label(token):
    """A tick label for one token: a space shown as ␣, a newline as ↵, a tab as ⇥;
    a longer token (a word) as it is."""
    text = str(token)
    return VISIBLE.get(text, text)


def set_character_ticks(axis, tokens, fontsize):
    """One tick per token on a matplotlib `axis` (ax.xaxis or ax.yaxis), labelled with
    the token in the monospace font."""
    axis.set_ticks(range(len(tokens)))
    axis.set_ticklabels([character_label(t) for t in tokens], fontfamily=FONT,
                        fontsize=fontsize)
