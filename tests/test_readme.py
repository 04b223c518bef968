"""The README's example runs as written and renders a parseable SVG."""
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parents[1]


def readme_python_blocks():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_example_runs_and_renders(tmp_path):
    (example,) = readme_python_blocks()[:1]
    result = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={"PYTHONPATH": str(ROOT),
                                                         "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    # the printed gradient is dL/dw of the 3-step RNN, by hand-written BPTT here
    import numpy as np
    w, states = 0.5, [0.0]
    for x in (1.0, -0.5, 0.25):
        states.append(np.tanh(w * states[-1] + x))
    grad_h, grad_w = 2 * (states[-1] - 1.0), 0.0
    for t in (3, 2, 1):
        local = grad_h * (1 - states[t] ** 2)
        grad_w += local * states[t - 1]
        grad_h = local * w
    printed = float(re.search(r"tensor\((-?[0-9.]+)", result.stdout).group(1))
    assert abs(printed - grad_w) < 1e-3
    svg = ET.parse(tmp_path / "scalar_rnn.svg").getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    clusters = [g.find("s:title", ns).text for g in svg.iter("{http://www.w3.org/2000/svg}g")
                if g.get("class") == "cluster"]
    assert sum(1 for c in clusters if re.search(r"t\d", c)) >= 3
