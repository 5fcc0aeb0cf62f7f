// The Draw page's "What the model sees" for a drawing on the canvas (issue 27): the steps of preprocessing, the
// network and its hidden units, drawn in the browser from each reading live.js makes of the canvas, so they follow
// the pen as the bars do and the server sends none of them. For an uploaded picture the server draws the same
// figures (pages/lab/draw.py: figures/network.py, figures/lab.py, common.strip): this file follows those.

const SVG = "http://www.w3.org/2000/svg";
const BLUE = [31, 119, 180]; // figures/style.py's BLUE, ORANGE, GREY, and network.py's red for "pushes off"
const ORANGE = "#ff7f0e";
const OUTLINE = "#9e9e9e"; // style.GREY
const EDGES = { true: "#1f77b4", false: "#d62728" };
// figures/network.py's coordinates: the input picture's x range, each layer's x, the units' top and bottom.
const NET = { input: [0, 3], layers: [6, 10, 14], top: 10, bottom: 0, columnUnits: 32, columnGap: 0.32 };
const STRONGEST = [30, 30, 20]; // links drawn into each layer, the strongest by |weight x activation|
const VIEW = { width: 1000, height: 620 }; // the diagram's box, as the server's figure is 620 px tall
const ACTIVATIONS = { relu: "ReLU", linear: "linear", sigmoid: "sigmoid" };
const TILE = 140; // px of each step's picture, as common.strip draws them
const STATES = new WeakMap(); // parentElement -> this instance's state

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.appendChild(element);
  return element;
}

function linspace(start, stop, n) {
  return n === 1 ? [start] : Array.from({ length: n }, (_, i) => start + ((stop - start) * i) / (n - 1));
}

// Each unit's (x, y): one column at x, or for a wide layer columns side by side around x, unit 0 top left.
function unitPositions(units, x) {
  const columns = Math.ceil(units / NET.columnUnits);
  const rows = Math.ceil(units / columns);
  const margin = rows > 12 ? 0.35 : 1.0;
  const ys = linspace(NET.top - margin, NET.bottom + margin, rows);
  const first = x - (NET.columnGap * (columns - 1)) / 2;
  return Array.from({ length: units }, (_, unit) => [first + NET.columnGap * Math.floor(unit / rows), ys[unit % rows]]);
}

function layerX(index) {
  return NET.layers[Math.min(index, 2)] + 4 * Math.max(0, index - 2);
}

// Grey levels in [0, 1] onto a canvas of the picture's size (as common.pixels: clipped, 255 x, truncated).
const OPAQUE = new Uint32Array(new Uint8Array([0, 0, 0, 255]).buffer)[0]; // a pixel as one word: R, G, B, A
const GREY = new Uint32Array(new Uint8Array([1, 1, 1, 0]).buffer)[0];

function paint(canvas, image, width, height, left = 0, top = 0) {
  const context = canvas.getContext("2d");
  const pixels = context.createImageData(width, height);
  const words = new Uint32Array(pixels.data.buffer);
  for (let i = 0; i < width * height; i++) {
    words[i] = OPAQUE + GREY * Math.trunc(Math.min(Math.max(image[i] || 0, 0), 1) * 255);
  }
  context.putImageData(pixels, left, top);
}

// --- The steps: common.strip ---------------------------------------------------------------------------------

// What each step did with these switches (draw.step_labels).
function stepLabels(steps, switches) {
  const { cropped, fitted } = steps;
  const size = `${fitted.width}x${fitted.height}`;
  return [
    ["Step 1", "your ink"],
    ["Step 2", switches.crop ? `cropped ${cropped.width}x${cropped.height}` : `not cropped (${cropped.width}x${cropped.height})`],
    ["Step 3", switches.fit ? `fitted ${size}` : `stretched to ${size}`],
    ["Step 4", !switches.fit ? "not centred" : switches.centre ? "mass centred, 28x28" : "box centred, 28x28"],
    ["Step 5", "20x20: the input"],
  ];
}

function buildSteps(box) {
  box.replaceChildren();
  return ["ink", "cropped", "fitted", "centred", "small"].map((name) => {
    const figure = document.createElement("figure");
    figure.className = "dd-sees-step";
    figure.dataset.step = name;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = TILE;
    const caption = document.createElement("figcaption");
    caption.innerHTML = '<span class="dd-sees-step-name"></span><span class="dd-sees-step-did"></span>';
    figure.append(canvas, caption);
    box.appendChild(figure);
    return { name, canvas, label: caption.firstChild, did: caption.lastChild, scratch: document.createElement("canvas") };
  });
}

// Each picture padded to a square (ink at its centre, black around) and enlarged with visible pixels.
function drawSteps(tiles, steps, labels, box) {
  tiles.forEach((tile, i) => {
    const { image, width, height } = steps[tile.name];
    const side = Math.max(width, height);
    if (tile.scratch.width !== side) tile.scratch.width = side;
    if (tile.scratch.height !== side) tile.scratch.height = side;
    const context = tile.scratch.getContext("2d");
    context.fillStyle = "#000";
    context.fillRect(0, 0, side, side);
    paint(tile.scratch, image, width, height, Math.floor((side - width) / 2), Math.floor((side - height) / 2));
    const out = tile.canvas.getContext("2d");
    out.imageSmoothingEnabled = false;
    out.drawImage(tile.scratch, 0, 0, TILE, TILE);
    [tile.label.textContent, tile.did.textContent] = labels[i];
  });
  box.setAttribute("aria-label", labels.map(([step, did]) => `${step}: ${did}`).join("; "));
}

// --- The network: figures/network.py ---------------------------------------------------------------------------

function buildNetwork(holder, layers, size) {
  holder.replaceChildren();
  const xs = layers.map((_, i) => layerX(i));
  const [x0, x1] = NET.input;
  const range = { left: x0 - 0.3, right: xs[xs.length - 1] + 3.2, bottom: NET.bottom - 1.1, top: NET.top + 2.6 };
  const X = (x) => ((x - range.left) / (range.right - range.left)) * VIEW.width;
  const Y = (y) => ((range.top - y) / (range.top - range.bottom)) * VIEW.height;
  const root = svg("svg", { viewBox: `0 0 ${VIEW.width} ${VIEW.height}`, class: "dd-sees-net", role: "img" }, holder);
  // The input picture square on the screen (the diagram's x and y scales differ), its pixels where the links start.
  const middle = (NET.top + NET.bottom) / 2;
  const side = Y(middle - (x1 - x0) / 2) - Y(middle + (x1 - x0) / 2);
  const corner = [(X(x0) + X(x1) - side) / 2, Y(middle) - side / 2];
  const pixelAt = (pixel) => {
    const [row, column] = [pixel % size, Math.floor(pixel / size)];
    return [corner[0] + ((column + 0.5) * side) / size, corner[1] + ((row + 0.5) * side) / size];
  };
  const picture = svg("image", {
    x: corner[0],
    y: corner[1],
    width: side,
    height: side,
    preserveAspectRatio: "none",
    class: "dd-sees-input",
  }, root); // prettier-ignore
  const edges = {};
  for (const positive of [true, false]) {
    for (const strong of [false, true]) {
      edges[`${positive} ${strong}`] = svg("path", {
        fill: "none",
        stroke: EDGES[positive],
        "stroke-width": strong ? 4 : 1.6,
        "stroke-opacity": strong ? 0.85 : 0.5,
        "stroke-linecap": "round",
      }, root); // prettier-ignore
    }
  }
  const heads = [[(x0 + x1) / 2, ["input: 20x20", `= ${size * size} pixels`]]];
  layers.forEach((layer, i) => {
    const params = (layer.W.length + layer.b.length).toLocaleString("en-US");
    const activation = ACTIVATIONS[layer.activation] || layer.activation;
    heads.push([xs[i], [`${layer.name}: Dense ${layer.units}`, activation, `${params} params`]]);
  });
  for (const [x, lines] of heads) {
    const text = svg("text", { x: X(x), y: Y(NET.top + 0.5), "text-anchor": "middle", class: "dd-sees-head" }, root);
    lines.forEach((line, i) => {
      const dy = i === 0 ? `${-(lines.length - 1) * 1.15}em` : "1.15em";
      svg("tspan", { x: X(x), dy, "font-weight": i === 0 && lines.length === 3 ? 700 : 400 }, text).textContent = line;
    });
  }
  svg("text", { x: X(xs[xs.length - 1]), y: Y(NET.bottom - 0.5) + 6, "text-anchor": "middle", class: "dd-sees-foot" }, root)
    .textContent = "logits → softmax → probability"; // prettier-ignore
  const last = layers.length - 1;
  const at = layers.map((layer, i) => unitPositions(layer.units, xs[i]));
  const units = layers.map((layer, i) =>
    at[i].map(([x, y], unit) => {
      const diameter = i === last ? 30 : layer.units > NET.columnUnits ? 9 : layer.units > 20 ? 18 : 22;
      const circle = svg("circle", {
        cx: X(x),
        cy: Y(y),
        r: diameter / 2,
        class: "dd-sees-unit",
        stroke: OUTLINE,
        "stroke-width": 1.5,
      }, root); // prettier-ignore
      svg("title", {}, circle); // written when the pointer comes over it, not on every reading
      Object.assign(circle.dataset, { layer: i, unit });
      const label = i === last ? svg("text", { x: X(x) + diameter / 2 + 4, y: Y(y), class: "dd-sees-digit" }, root) : null;
      return { circle, label, unit };
    }),
  );
  const net = { picture, edges, units, at, layers, size, X, Y, pixelAt, links: [], values: null };
  net.pictureCanvas = document.createElement("canvas");
  root.addEventListener("pointerover", (event) => {
    const { layer, unit } = event.target.dataset || {};
    if (layer === undefined || !net.values) return;
    const value = net.values[layer][unit];
    event.target.firstChild.textContent =
      Number(layer) === last
        ? `digit ${unit}: probability ${value.toFixed(4)}`
        : `${layers[layer].name} unit ${unit}: ${value.toFixed(3)}${value === 0 ? " (off)" : ""}`;
  });
  return net;
}

// The k largest of |value|, as [magnitude, value, source, unit], largest first.
function strongestLinks(input, layer, k) {
  const chosen = [];
  const { W, units } = layer;
  for (let source = 0; source < input.length; source++) {
    const a = input[source];
    if (a === 0) continue; // no ink, a unit off: adds nothing
    for (let unit = 0; unit < units; unit++) {
      const value = Math.fround(a * W[source * units + unit]);
      const magnitude = Math.abs(value);
      if (chosen.length === k && magnitude <= chosen[k - 1][0]) continue;
      let at = chosen.length === k ? k - 1 : chosen.length;
      while (at > 0 && chosen[at - 1][0] < magnitude) at--;
      chosen.splice(at, 0, [magnitude, value, source, unit]);
      if (chosen.length > k) chosen.pop();
    }
  }
  return chosen;
}

function fillOf(level) {
  const [r, g, b] = BLUE.map((c) => Math.round(255 + (c - 255) * level));
  return `rgb(${r},${g},${b})`;
}

function drawNetwork(net, reading) {
  const { x, hidden, probabilities } = reading;
  const { X, Y, at, size } = net;
  const px = ([x, y]) => [X(x), Y(y)];
  // The input, upright: the 400 pixels in column-major order.
  net.pictureCanvas.width = net.pictureCanvas.height = size;
  const upright = new Float32Array(size * size);
  for (let p = 0; p < size * size; p++) upright[(p % size) * size + Math.floor(p / size)] = x[p];
  paint(net.pictureCanvas, upright, size, size);
  net.picture.setAttribute("href", net.pictureCanvas.toDataURL());
  // The strongest links into each layer, one path for each colour and width.
  const paths = { "true false": [], "true true": [], "false false": [], "false true": [] };
  const inputs = [x, ...hidden];
  net.links = []; // as figures/network.strongest_links: [layer, source, unit, pushes on, strong]
  net.layers.forEach((layer, i) => {
    const links = strongestLinks(inputs[i], layer, STRONGEST[Math.min(i, STRONGEST.length - 1)]);
    const top = links.length ? links[0][0] || 1 : 1;
    for (const [magnitude, value, source, unit] of links) {
      if (value === 0) continue;
      const [positive, strong] = [value > 0, magnitude > top / 2];
      net.links.push([i, source, unit, positive, strong]);
      const [xa, ya] = i === 0 ? net.pixelAt(source) : px(at[i - 1][source]);
      const [xb, yb] = px(at[i][unit]);
      paths[`${positive} ${strong}`].push(`M${xa.toFixed(1)} ${ya.toFixed(1)}L${xb.toFixed(1)} ${yb.toFixed(1)}`);
    }
  });
  for (const [key, path] of Object.entries(paths)) net.edges[key].setAttribute("d", path.join(""));
  // Every unit filled by its output relative to its layer's strongest; the likeliest digit ringed orange.
  const last = net.layers.length - 1;
  net.values = [...hidden, probabilities];
  net.units.forEach((column, i) => {
    const values = i === last ? probabilities : hidden[i];
    const strongest = Math.max(...values);
    const top = strongest > 0 ? strongest : 1;
    const best = i === last ? values.indexOf(strongest) : -1;
    for (const { circle, label, unit } of column) {
      const value = values[unit];
      circle.setAttribute("fill", fillOf(value / top));
      if (!label) continue; // an output: its share, and the likeliest ringed
      circle.setAttribute("stroke", unit === best ? ORANGE : OUTLINE);
      circle.setAttribute("stroke-width", unit === best ? 4 : 1.5);
      label.textContent = `${unit}  ${value >= 0.005 ? Math.round(100 * value) : 0}%`;
    }
  });
}

// --- The hidden units: figures/lab.hidden_bars -----------------------------------------------------------------

function buildHidden(holder, layers) {
  holder.replaceChildren();
  return layers.slice(0, -1).map((layer, i) => {
    const block = document.createElement("div");
    block.className = "dd-sees-layer";
    block.style.flexGrow = String(layer.units + 3);
    const top = document.createElement("span");
    top.className = "dd-sees-layer-top";
    const bars = svg("svg", { viewBox: `0 0 ${layer.units} 100`, preserveAspectRatio: "none", class: "dd-sees-bars" });
    const rects = Array.from({ length: layer.units }, (_, unit) => {
      const rect = svg("rect", { x: unit + 0.1, width: 0.8, y: 100, height: 0, fill: "#1f77b4" }, bars);
      svg("title", {}, rect); // written when the pointer comes over it
      rect.dataset.unit = unit;
      return rect;
    });
    const shown = { top, rects, layer: i + 1, values: null };
    bars.addEventListener("pointerover", (event) => {
      const { unit } = event.target.dataset;
      if (unit === undefined || !shown.values) return;
      event.target.firstChild.textContent = `layer ${i + 1}, unit ${unit}: ${shown.values[unit].toFixed(3)}`;
    });
    const name = document.createElement("span");
    name.className = "dd-sees-layer-name";
    name.textContent = `layer ${i + 1}: ${layer.units} units`;
    block.append(top, bars, name);
    holder.appendChild(block);
    return shown;
  });
}

// Each layer's outputs as bars, scaled to its own strongest (0 at the bottom).
function drawHidden(blocks, hidden) {
  blocks.forEach((block, i) => {
    const { top, rects } = block;
    const values = hidden[i];
    block.values = values;
    const strongest = Math.max(...values);
    top.textContent = `strongest ${strongest.toFixed(2)}`;
    rects.forEach((rect, unit) => {
      const height = strongest > 0 ? (100 * Math.max(values[unit], 0)) / strongest : 0;
      rect.setAttribute("y", (100 - height).toFixed(2));
      rect.setAttribute("height", height.toFixed(2));
    });
  });
}

// --- The component -----------------------------------------------------------------------------------------------

function render(state, reading) {
  const shown = Boolean(reading && reading.probabilities && reading.steps);
  state.root.classList.toggle("dd-sees-empty", !shown);
  if (!shown) return;
  const { layers } = reading;
  if (state.layers !== layers) {
    // another reader (the model switch, a retrained model): its diagram and bars
    state.layers = layers;
    const size = Math.round(Math.sqrt(reading.x.length));
    state.net = buildNetwork(state.root.querySelector(".dd-sees-network"), layers, size);
    state.hidden = buildHidden(state.root.querySelector(".dd-sees-hidden"), layers);
    state.root.classList.toggle("dd-sees-flat", layers.length === 1);
  }
  drawSteps(state.tiles, reading.steps, stepLabels(reading.steps, reading.switches), state.stepsBox);
  drawNetwork(state.net, reading);
  drawHidden(state.hidden, reading.hidden);
  state.updates += 1;
}

export default function (component) {
  const { parentElement } = component;
  let state = STATES.get(parentElement);
  if (!state) {
    const root = parentElement.querySelector(".dd-sees");
    const stepsBox = root.querySelector(".dd-sees-steps");
    state = { root, stepsBox, tiles: buildSteps(stepsBox), layers: null, updates: 0, frame: 0 };
    // Drawn on the frame after the bars': they are shown first, and readings that came within one frame make one.
    state.listener = (event) => {
      state.pending = event.detail;
      if (!state.frame) {
        state.frame = requestAnimationFrame(() => {
          state.frame = 0;
          render(state, state.pending);
        });
      }
    };
    window.addEventListener("digitdemo-reading", state.listener);
    STATES.set(parentElement, state);
  }
  window.digitdemoSees = state; // for a test from outside
  render(state, window.digitdemoReading); // the canvas's latest reading (live.js)
  return () => {
    cancelAnimationFrame(state.frame);
    window.removeEventListener("digitdemo-reading", state.listener);
    STATES.delete(parentElement);
  };
}
