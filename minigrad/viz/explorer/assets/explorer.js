// The explorer page's script: plain JavaScript, no library. Everything it shows was
// decided in Python (minigrad/viz/explorer/); this file only puts it on the page:
// swaps the pictures (views), applies the lit paths' colours, shows a node's details,
// crops the picture to a window of steps, and draws the heatmap and the bar chart,
// keeping one chosen step in all three.
"use strict";

(function () {
  const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
  const $ = (id) => document.getElementById(id);
  const SVG_NS = $("heatmap").namespaceURI;   // the SVG namespace, without writing it out
  const HAS_STEPS = DATA.steps.length > 0;
  const state = {
    view: DATA.start,
    param: DATA.weight,               // the parameter whose paths are lit and terms charted
    step: null,                       // the chosen step
    from: HAS_STEPS ? DATA.steps[0] : null,
    to: HAS_STEPS ? DATA.steps[DATA.steps.length - 1] : null,
    zoom: 1,                          // the picture's size: 1 = as dot drew it
  };

  // ------------------------------------------------------------------ the graph
  function currentView() { return DATA.views[state.view]; }

  function showView(key) {
    state.view = key;
    const view = currentView();
    $("graph").innerHTML = view.svg;
    wireNodes(view);
    wireEdges(view);
    wireBoxes(view);
    applyWindow();
    applyPaths();
    applySelection();
    drawLegend();
    updateToolbar();
  }

  function wireNodes(view) {
    for (const [id, node] of Object.entries(view.nodes)) {
      const element = $(id);
      if (!element) continue;
      element.addEventListener("mouseenter", () => {
        element.classList.add("hovered");
        showDetails(node);
      });
      element.addEventListener("mouseleave", () => element.classList.remove("hovered"));
      element.addEventListener("click", (event) => {
        event.stopPropagation();
        act(node);
      });
    }
  }

  function wireEdges(view) {
    for (const edge of view.edges) {
      const element = $(edge[0]);
      if (element) element.addEventListener("mouseenter", () => showEdgeDetails(edge));
    }
  }

  function wireBoxes(view) {
    for (const [id, box] of Object.entries(view.boxes)) {
      const element = $(id);
      if (!element) continue;
      element.addEventListener("click", () => {
        if (box.kind === "gap") showView("cells");    // a folded run: close the step
        else selectStep(box.time);
      });
    }
  }

  // What a click on a node does: a parameter lights its paths, a cell opens its step,
  // a layer opens its cells, a folded run of steps closes the open step; anything else
  // chooses its step.
  function act(node) {
    const first = DATA.nodes[node.members[0]];
    if (node.kind === "parameter") {
      chooseParam(node.members[0]);
    } else if (node.kind === "cell" && DATA.views["t" + node.time]) {
      state.step = node.time;
      showView("t" + node.time);
      selectStep(node.time);
    } else if (node.kind === "layer" || node.kind === "gap") {
      showView("cells");
    } else if (first && first.time !== undefined) {
      selectStep(first.time);
    }
  }

  // The styles of mg.render(highlight=...), decided in Python: one code per edge.
  function applyPaths() {
    const view = currentView();
    if (state.param === null) return;
    const paths = DATA.paths[state.param][state.view];
    view.edges.forEach((edge, index) => {
      const element = $(edge[0]);
      if (!element) return;
      const code = paths.codes[index];
      if (code === ".") {
        paint(element, DATA.looks.faded.color, null, null, DATA.looks.faded.fontcolor);
      } else if (code === "z") {
        element.classList.add("lit", "zero-grad");
        paint(element, DATA.looks.zero.color, null, "1,5", DATA.looks.zero.fontcolor);
      } else if (code === "p") {
        element.classList.add("lit");
        paint(element, DATA.looks.source.color, "2", null, DATA.looks.source.color);
      } else {
        const [colour, width] = paths.bins[Number(code)];
        element.classList.add("lit");
        paint(element, colour, width, null, colour);
      }
    });
    const source = DATA.looks.source;
    for (const [id, node] of Object.entries(view.nodes)) {
      if (!node.members.includes(state.param) || node.kind !== "parameter") continue;
      const element = $(id);
      if (!element) continue;
      element.classList.add("source");
      for (const shape of element.querySelectorAll("polygon, ellipse, path")) {
        shape.setAttribute("stroke", source.color);
        shape.setAttribute("stroke-width", source.penwidth);
      }
    }
  }

  function paint(edge, colour, width, dashes, fontColour) {
    for (const line of edge.querySelectorAll("path")) {
      line.setAttribute("stroke", colour);
      if (width !== null) line.setAttribute("stroke-width", width);
      if (dashes !== null) line.setAttribute("stroke-dasharray", dashes);
    }
    for (const head of edge.querySelectorAll("polygon")) {
      head.setAttribute("stroke", colour);
      head.setAttribute("fill", colour);
      if (width !== null) head.setAttribute("stroke-width", width);
    }
    for (const text of edge.querySelectorAll("text")) text.setAttribute("fill", fontColour);
  }

  // A window of steps: the strip cropped to the boxes of steps from..to (the rows of
  // steps only), with a margin that stops short of the boxes beside them.
  function applyWindow() {
    const view = currentView();
    const svg = $("graph").querySelector("svg");
    const steps = Object.values(view.boxes).filter((box) => box.kind === "step");
    const inside = steps.filter((b) => b.time >= state.from && b.time <= state.to);
    let left = 0, right = view.width, top = 0, bottom = view.height;
    const cropped = view.level === "cells" && inside.length > 0 && inside.length < steps.length;
    if (cropped) {
      const before = steps.filter((b) => b.time < state.from).map((b) => b.x[1] + 1);
      const after = steps.filter((b) => b.time > state.to).map((b) => b.x[0] - 1);
      left = Math.max(Math.min(...inside.map((b) => b.x[0])) - 8, ...before);
      right = Math.min(Math.max(...inside.map((b) => b.x[1])) + 8, ...after);
      top = Math.min(...inside.map((b) => b.y[0])) - 8;
      bottom = Math.max(...inside.map((b) => b.y[1])) + 8;
    }
    svg.setAttribute("viewBox", `${left} ${top} ${right - left} ${bottom - top}`);
    svg.setAttribute("width", `${(right - left) * state.zoom}pt`);
    svg.setAttribute("height", `${(bottom - top) * state.zoom}pt`);
  }

  function zoomBy(factor) {
    state.zoom = Math.min(4, Math.max(0.1, state.zoom * factor));
    applyWindow();
  }

  function zoomToFit() {
    const box = $("graph").querySelector("svg").viewBox.baseVal;
    const points = $("graph-panel").clientWidth * 0.75;   // CSS px -> pt
    state.zoom = Math.min(1, (points - 4) / box.width);
    applyWindow();
  }

  function applySelection() {
    const view = currentView();
    for (const [id, box] of Object.entries(view.boxes)) {
      const element = $(id);
      if (!element) continue;
      const chosen = state.step !== null && (box.kind === "step" ? box.time === state.step
        : box.time[0] <= state.step && state.step <= box.time[1]);
      element.classList.toggle("selected", chosen);
    }
  }

  // Choosing a step: its box in the graph (in a view of one step op by op, that step's
  // view), its column in the heatmap, its bar in the chart.
  function selectStep(t) {
    state.step = t;
    const view = currentView();
    if (view.level === "step" && view.time !== t && DATA.views["t" + t]) showView("t" + t);
    applySelection();
    drawHeatmap();
    drawChart();
    updateToolbar();
  }

  function chooseParam(paramId) {
    state.param = paramId;
    showView(state.view);   // a fresh picture, then its paths
    drawChart();
  }

  // ---------------------------------------------------------------- the details
  function showDetails(node) {
    const rows = [];
    const single = node.members.length === 1 || node.reference;
    if (single) {
      const id = node.members[0];
      const record = DATA.nodes[id];
      rows.push(["kind", record.kind + (node.reference ? " (drawn again here)" : "")],
                ["name", record.param || record.name || record.title], ["op", record.op || "-"],
                ["shape", record.shape], ["value", record.value], ["|gradient|", record.grad_text],
                ["node", String(id)]);
      if (record.time !== undefined) rows.push(["step", String(record.time)]);
      if (record.layer !== undefined) rows.push(["layer", String(record.layer)]);
      if (record.direction) rows.push(["direction", record.direction]);
      if (record.source) rows.push(["made at", record.source]);
    } else {
      rows.push(["kind", node.kind], ["stands for", `${node.members.length} graph nodes`],
                ["label", node.lines.join(" / ")]);
      if (node.time !== undefined) rows.push(["step", String(node.time)]);
      if (node.steps) rows.push(["steps", `${node.steps[0]} .. ${node.steps[1]}`]);
    }
    const details = $("details");
    details.innerHTML = "";
    details.appendChild(table(rows));
    if (!single) {
      const named = node.members.map((id) => [id, DATA.nodes[id]])
        .filter(([, r]) => r.kind === "state" || r.kind === "gate" || r.kind === "loss");
      if (named.length > 0) {
        const members = table(named.map(([, r]) => [r.title, `${r.shape}  ${r.value}  ` +
                                                    `|grad| ${r.grad_text}`]));
        members.classList.add("members");
        details.appendChild(members);
      }
    }
  }

  function showEdgeDetails([, members, , kind, gradText]) {
    const [tail, head] = DATA.edges[members[0]];
    const name = (id) => DATA.nodes[id].param || DATA.nodes[id].title;
    const details = $("details");
    details.innerHTML = "";
    details.appendChild(table([
      ["kind", `edge (${kind})`], ["from", name(tail)], ["to", name(head)],
      ["|gradient|", gradText + (members.length > 1 ? " (the largest)" : "")],
      ["stands for", `${members.length} graph edge${members.length > 1 ? "s" : ""}`]]));
  }

  function table(rows) {
    const element = document.createElement("table");
    for (const [key, value] of rows) {
      const row = element.insertRow();
      const head = document.createElement("th");
      head.textContent = key;
      row.appendChild(head);
      row.insertCell().textContent = value;
    }
    return element;
  }

  // ----------------------------------------------------------------- the legend
  function drawLegend() {
    const rows = DATA.legend[state.view].slice();
    if (state.param !== null) rows.push(...DATA.paths[state.param][state.view].legend);
    const legend = $("legend");
    legend.innerHTML = "";
    for (const row of rows) legend.appendChild(legendEntry(row, "div"));
  }

  function legendEntry([mark, fill, colour, sign, words], tag) {
    const entry = document.createElement(tag);
    entry.className = "entry";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    if (fill) {
      swatch.style.background = fill;
      if (colour) swatch.style.borderColor = colour;
    } else {
      swatch.style.color = colour;
      swatch.innerHTML = sign;   // HTML entities from legend.symbol
    }
    const text = document.createElement("span");
    text.textContent = words;
    entry.append(swatch, text);
    entry.dataset.mark = mark;
    return entry;
  }

  // ----------------------------------------------------------- the two charts
  function svgElement(name, attributes, parent) {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    parent.appendChild(element);
    return element;
  }

  function label(parent, x, y, text, anchor) {
    const element = svgElement("text", {x, y, "text-anchor": anchor || "middle"}, parent);
    element.textContent = text;
    return element;
  }

  function tickEvery(count) { return Math.max(1, Math.ceil(count / 10)); }

  function drawHeatmap() {
    const svg = $("heatmap");
    svg.innerHTML = "";
    const panel = DATA.connectivity;
    if (panel.reason) {
      $("heatmap-note").textContent = panel.reason;
      svg.setAttribute("width", "0");
      svg.setAttribute("height", "0");
      return;
    }
    const rows = [], columns = [];
    for (let t = 0; t < panel.codes.length; t++) if (inWindow(t)) rows.push(t);
    for (let s = 0; s < panel.codes[0].length; s++) if (inWindow(s)) columns.push(s);
    const size = Math.max(4, Math.min(16, Math.floor(440 / Math.max(columns.length, 1))));
    const margin = 36;
    svg.setAttribute("width", margin + size * columns.length + 8);
    svg.setAttribute("height", margin + size * rows.length + 8);
    const every = tickEvery(columns.length);
    columns.forEach((s, j) => {
      if (j % every === 0) label(svg, margin + (j + 0.5) * size, margin - 6, String(s));
    });
    rows.forEach((t, i) => {
      if (i % every === 0) label(svg, margin - 4, margin + (i + 0.5) * size + 4, String(t), "end");
    });
    label(svg, margin, 11, "input step s \u2192", "start");
    rows.forEach((t, i) => columns.forEach((s, j) => {
      const code = panel.codes[t][s];
      const cell = svgElement("rect", {
        id: `hm-${t}-${s}`, class: "cell", x: margin + j * size, y: margin + i * size,
        width: size, height: size,
        fill: code === "z" ? "#f4f4f4" : panel.bins[Number(code)][0]}, svg);
      svgElement("title", {}, cell).textContent =
        `output step ${t}, input step ${s}: ${Number(panel.matrix[t][s]).toExponential(2)}`;
      cell.addEventListener("click", () => selectStep(s));
    }));
    const chosen = columns.indexOf(state.step);
    if (chosen >= 0) {
      svgElement("rect", {id: "hm-chosen", class: "column", x: margin + chosen * size,
                          y: margin, width: size, height: size * rows.length}, svg);
    }
    const legend = $("heatmap-legend");
    legend.innerHTML = "";
    for (const [colour, words] of panel.bins.slice().reverse()) {
      legend.appendChild(legendEntry(["scale", colour, "", "", words], "span"));
    }
    legend.appendChild(legendEntry(["zero", "#f4f4f4", "#cccccc", "", "exactly 0"], "span"));
    $("heatmap-note").textContent = state.step === null ? "click a column to choose its step"
      : `chosen: input step ${state.step}`;
  }

  function drawChart() {
    const svg = $("chart");
    svg.innerHTML = "";
    const terms = state.param === null ? null : DATA.terms[state.param];
    const name = state.param === null ? "" : DATA.names[state.param];
    $("chart-title").textContent = state.param === null
      ? "per-step terms of a weight's gradient: choose a parameter"
      : `||term_t|| of dL/d ${name}: step t's term of BPTT's sum (mg.bptt.per_step_grads), log axis`;
    const note = $("chart-note");
    if (!terms || terms.error) {
      note.textContent = terms ? terms.error : "";
      svg.setAttribute("width", "0");
      svg.setAttribute("height", "0");
      return;
    }
    const steps = DATA.steps.filter(inWindow);
    const norms = steps.map((t) => terms.norms[DATA.steps.indexOf(t)]);
    const positive = norms.filter((n) => n > 0);
    const floor = positive.length ? Math.floor(Math.log10(Math.min(...positive))) - 1 : -1;
    const top = positive.length ? Math.ceil(Math.log10(Math.max(...positive))) : 0;
    const width = Math.max(4, Math.min(24, Math.floor(440 / Math.max(steps.length, 1))));
    const height = 180, left = 52, bottom = 24;
    svg.setAttribute("width", left + width * steps.length + 12);
    svg.setAttribute("height", height + bottom + 8);
    const y = (decade) => 4 + height * (1 - (decade - floor) / Math.max(top - floor, 1));
    for (let d = floor; d <= top; d++) {
      svgElement("line", {x1: left - 4, x2: left + width * steps.length, y1: y(d), y2: y(d),
                          stroke: "#e4e4e4"}, svg);
      label(svg, left - 6, y(d) + 4, `1e${d}`, "end");
    }
    const every = tickEvery(steps.length);
    steps.forEach((t, i) => {
      const norm = norms[i];
      const tip = norm > 0 ? y(Math.log10(norm)) : y(floor);
      const bar = svgElement("rect", {
        id: `bar-${t}`, class: "bar" + (t === state.step ? " selected" : ""),
        x: left + i * width + 1, y: tip, width: Math.max(width - 2, 1), height: y(floor) - tip,
        fill: t === state.step ? "#ff7f0e" : DATA.looks.bar}, svg);
      svgElement("title", {}, bar).textContent = `step ${t}: ${norm.toExponential(2)}`;
      bar.addEventListener("click", () => selectStep(t));
      if (norm === 0) label(svg, left + (i + 0.5) * width, y(floor) - 3, "0");
      if (i % every === 0) label(svg, left + (i + 0.5) * width, height + 18, String(t));
    });
    note.textContent = (terms.outside !== undefined ? `and ${terms.outside.toExponential(2)} ` +
      "through ops outside every step; " : "") + "x: time step t";
  }

  function inWindow(t) {
    return !HAS_STEPS || (t >= state.from && t <= state.to);
  }

  // ---------------------------------------------------------------- the toolbar
  function updateToolbar() {
    const view = currentView();
    $("show-layers").classList.toggle("active", state.view === "layers");
    $("show-cells").classList.toggle("active", state.view === "cells");
    const openable = state.step !== null && DATA.views["t" + state.step];
    $("expand-step").disabled = !openable || state.view === "t" + state.step;
    $("expand-step").textContent = state.step === null ? "open the chosen step"
      : `open step ${state.step}`;
    $("where").textContent = view.level === "step" ? `step ${view.time}, op by op`
      : view.level === "graph" ? "every op" : `one node per ${view.level === "cells"
        ? "layer, direction and step" : "layer and direction"}`;
    for (const button of $("params").querySelectorAll("button")) {
      button.classList.toggle("active", Number(button.dataset.param) === state.param);
    }
  }

  function setUpToolbar() {
    if (!HAS_STEPS) {
      $("levels").hidden = true;
      $("window").hidden = true;
    }
    $("show-layers").addEventListener("click", () => showView("layers"));
    $("show-cells").addEventListener("click", () => showView("cells"));
    $("expand-step").addEventListener("click", () => showView("t" + state.step));
    $("zoom-out").addEventListener("click", () => zoomBy(1 / 1.25));
    $("zoom-in").addEventListener("click", () => zoomBy(1.25));
    $("zoom-fit").addEventListener("click", zoomToFit);
    for (const id of DATA.params) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.param = id;
      button.textContent = DATA.names[id];
      button.addEventListener("click", () => chooseParam(id));
      $("params").appendChild(button);
    }
    $("clear-paths").addEventListener("click", () => chooseParam(null));
    const from = $("window-from"), to = $("window-to");
    if (HAS_STEPS) {
      for (const input of [from, to]) {
        input.min = DATA.steps[0];
        input.max = DATA.steps[DATA.steps.length - 1];
      }
      from.value = state.from;
      to.value = state.to;
    }
    $("window-apply").addEventListener("click", () => {
      const a = Number(from.value), b = Number(to.value);
      if (!Number.isFinite(a) || !Number.isFinite(b) || a > b) return;
      state.from = a;
      state.to = b;
      applyWindow();
      drawHeatmap();
      drawChart();
    });
    $("window-all").addEventListener("click", () => {
      from.value = DATA.steps[0];
      to.value = DATA.steps[DATA.steps.length - 1];
      $("window-apply").click();
    });
  }

  setUpToolbar();
  showView(state.view);
  drawHeatmap();
  drawChart();
}());
