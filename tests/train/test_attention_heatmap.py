import os

import numpy as np
import pytest

from minigrad.viz.attention_heatmap import attention_heatmap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_heatmap_writes_an_svg_with_the_labels(tmp_path):
    w = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]])
    path = tmp_path / "attn.svg"
    attention_heatmap(w, source_tokens=["a", "b"], target_tokens=["x", "y", "z"], path=path,
                      title="demo")
    text = path.read_text()
    assert text.startswith("<?xml") and "<svg" in text
    for label in ("demo", "source step", "output step"):
        assert label in text


def test_heatmap_rejects_a_batch_and_wrong_labels():
    with pytest.raises(ValueError, match="one sequence"):
        attention_heatmap(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="source_tokens"):
        attention_heatmap(np.zeros((3, 4)), source_tokens=["a"])


def test_the_heatmap_leaves_matplotlibs_backend_and_pyplot_alone(tmp_path):
    import subprocess
    import sys
    program = (
        "import matplotlib\n"
        "matplotlib.use('svg')\n"
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "from minigrad.viz.attention_heatmap import attention_heatmap\n"
        f"attention_heatmap(np.eye(3), path={str(tmp_path / 'a.svg')!r})\n"
        "print(matplotlib.get_backend(), len(plt.get_fignums()))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["svg", "0"]
    assert (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")


def test_heatmap_returns_a_figure_whose_image_holds_the_weights(tmp_path):
    import minigrad as mg
    w = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]])
    fig = attention_heatmap(mg.tensor(w), source_tokens=["a", "b"], target_tokens="xyz")
    image = fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), w)
    assert image.get_clim() == (0.0, 1.0)       # the colour scale is the weights' range
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x", "y", "z"]
    fig = attention_heatmap(w, path=tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")
