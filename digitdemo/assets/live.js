// The Draw page's live answer (issue 27): while the pen moves, the browser reads the canvas as the server does
// (digitdemo/preprocess.py, step for step) and runs the reader's forward pass (digitdemo/nn.py); the bars follow.
// When the server's answer for the finished drawing arrives, it replaces the browser's. Plain JavaScript: no
// build step, nothing fetched. Images are Float32Arrays, row after row, as NumPy's float32 arrays; sums in float64.

const f32 = Math.fround;

// --- Preprocessing: digitdemo/preprocess.py --------------------------------------------------------------------

// Python's round(): halves to the even neighbour (12.5 -> 12), not up as Math.round.
function pyRound(value) {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// to_ink: (H, W) RGBA bytes -> (H, W) ink in [0, 1]: the alpha if anything is transparent, else how far each
// pixel's grey is from the border's median grey. Each byte's float32 share of the grey comes from a table.
const UNIT = f32(1 / 255);
const SHARES = [0.299, 0.587, 0.114].map((weight) =>
  Float32Array.from({ length: 256 }, (_, byte) => f32(f32(byte * UNIT) * f32(weight))),
);

function toInk(rgba, width, height) {
  const n = width * height;
  const ink = new Float32Array(n);
  let alphaMin = 255;
  for (let i = 3; i < 4 * n; i += 4) if (rgba[i] < alphaMin) alphaMin = rgba[i];
  if (f32(alphaMin * UNIT) < 0.99) {
    for (let i = 0; i < n; i++) ink[i] = rgba[4 * i + 3] * UNIT;
    return ink;
  }
  const [red, green, blue] = SHARES;
  const grey = ink; // the grey, then the ink in its place
  for (let i = 0, j = 0; i < n; i++, j += 4) grey[i] = f32(red[rgba[j]] + green[rgba[j + 1]]) + blue[rgba[j + 2]];
  const border = new Float32Array(2 * (width + height));
  for (let x = 0; x < width; x++) {
    border[2 * x] = grey[x];
    border[2 * x + 1] = grey[(height - 1) * width + x];
  }
  for (let y = 0; y < height; y++) {
    border[2 * width + 2 * y] = grey[y * width];
    border[2 * width + 2 * y + 1] = grey[y * width + width - 1];
  }
  border.sort();
  const middle = border.length >> 1;
  const median = border.length % 2 ? border[middle] : f32((border[middle - 1] + border[middle]) / 2);
  for (let i = 0; i < n; i++) ink[i] = Math.abs(grey[i] - median);
  return ink;
}

function isNoise(ink, width, height, levels) {
  const n = width * height;
  let total = 0;
  let inked = 0;
  for (let i = 0; i < n; i++) {
    const v = ink[i];
    if (v > 0) {
      total += v;
      inked++;
    }
  }
  const mean = total / n;
  if (mean === 0 || inked / n <= levels.noisy_fill) return false;
  if (Math.min(width, height) <= 1) return false;
  let down = 0;
  let across = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = ink[row + x];
      if (x + 1 < width) across += Math.abs(ink[row + x + 1] - v);
      if (y + 1 < height) down += Math.abs(ink[row + width + x] - v);
    }
  }
  const change = down / ((height - 1) * width) + across / (height * (width - 1));
  return change / (2 * mean) > levels.noisy_roughness;
}

// ink_box: (top, left, bottom, right) of the rows and columns reaching the noise level, bottom/right exclusive.
function inkBox(ink, width, height, level) {
  let [top, left, bottom, right] = [-1, width, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] >= level) {
        if (top < 0) top = y;
        bottom = y;
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  return top < 0 ? null : [top, left, bottom + 1, right + 1];
}

function crop(image, width, box) {
  const [top, left, bottom, right] = box;
  const out = new Float32Array((bottom - top) * (right - left));
  for (let y = top; y < bottom; y++) {
    out.set(image.subarray(y * width + left, y * width + right), (y - top) * (right - left));
  }
  return out;
}

// Pillow's Lanczos (Resample.c): a sinc windowed by a sinc three lobes wide.
function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(t * Math.PI) / (t * Math.PI));
  return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

// Pillow's precompute_coeffs: for each output pixel, its first input pixel and normalised float64 weights.
function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const rows = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const weights = [];
    let total = 0;
    for (let j = lo; j < hi; j++) {
      const w = lanczos((j - centre + 0.5) / filterScale);
      weights.push(w);
      total += w;
    }
    rows.push({ lo, weights: total !== 0 ? weights.map((w) => w / total) : weights });
  }
  return rows;
}

// _resize: Pillow's resize of a float ("F") image with Lanczos: a horizontal pass, then a vertical one, each
// summed in float64 and stored as float32; then clipped to [0, 1]. The same size is a copy.
function resize(image, width, height, newWidth, newHeight) {
  let current = image;
  let w = width;
  if (newWidth !== width) {
    const across = coefficients(width, newWidth);
    const out = new Float32Array(newWidth * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < newWidth; x++) {
        const { lo, weights } = across[x];
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += current[y * w + lo + k] * weights[k];
        out[y * newWidth + x] = sum;
      }
    }
    current = out;
    w = newWidth;
  }
  if (newHeight !== height) {
    const down = coefficients(height, newHeight);
    const out = new Float32Array(w * newHeight);
    for (let y = 0; y < newHeight; y++) {
      const { lo, weights } = down[y];
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += current[(lo + k) * w + x] * weights[k];
        out[y * w + x] = sum;
      }
    }
    current = out;
  }
  const clipped = new Float32Array(current.length);
  for (let i = 0; i < current.length; i++) clipped[i] = Math.min(Math.max(current[i], 0), 1);
  return clipped;
}

// place_in_field: the image in a size x size field, its centre of mass (or its box) at the centre.
function placeInField(image, width, height, byMass, size) {
  let top;
  let left;
  if (byMass) {
    let total = 0;
    let rowSum = 0;
    let colSum = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = image[y * width + x];
        total += v;
        rowSum += y * v;
        colSum += x * v;
      }
    }
    total = f32(total); // NumPy sums a float32 image into a float32
    const [row, col] = total > 0 ? [rowSum / total, colSum / total] : [(height - 1) / 2, (width - 1) / 2];
    top = pyRound((size - 1) / 2 - row);
    left = pyRound((size - 1) / 2 - col);
  } else {
    top = Math.floor((size - height) / 2);
    left = Math.floor((size - width) / 2);
  }
  top = Math.min(Math.max(top, 0), size - height); // never push ink out of the field
  left = Math.min(Math.max(left, 0), size - width);
  const field = new Float32Array(size * size);
  for (let y = 0; y < height; y++) field.set(image.subarray(y * width, (y + 1) * width), (top + y) * size + left);
  return field;
}

// resample_to_lab_size then image_to_row: R @ field @ R.T (28 -> 20, bicubic, the server's own weights), and the
// 400 pixels in the lab's column-major order.
function toRow(field, R, n, size) {
  const half = new Float32Array(n * size); // R @ field: (n, size)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += R[i * size + k] * field[k * size + j];
      half[i * size + j] = sum;
    }
  }
  const x = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += half[i * size + k] * R[j * size + k];
      x[j * n + i] = sum; // pixel (row i, column j) at j * 20 + i: column-major
    }
  }
  return x;
}

function isDot(cropped, h, w, imageSize, levels) {
  const roundish = 0.6 <= h / w && h / w <= 1 / 0.6;
  let inked = 0;
  for (let i = 0; i < cropped.length; i++) if (cropped[i] > 0) inked++;
  return Math.max(h, w) < levels.dot_share * imageSize && roundish && inked / cropped.length > levels.dot_fill;
}

function sum(values) {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

// preprocess: canvas RGBA bytes -> {x: the 400 inputs or null, box, ink: the ink's sum, small: 20x20 upright,
// steps: each step's picture as {image, width, height} (preprocess.py's Steps, for showing)}.
// `box` and `ink` say which drawing was read: the server sends the same two with its answer.
export function preprocess(rgba, width, height, setup, switches) {
  const levels = setup.levels;
  const raw = toInk(rgba, width, height);
  let strongest = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] > strongest) strongest = raw[i];
  if (strongest === 0) return { x: null, box: null, ink: 0 };
  // Faint ink is stretched to full strength; grain below the noise level goes.
  const ink = new Float32Array(raw.length);
  const noise = levels.noise;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) continue;
    const v = f32(raw[i] / strongest);
    if (v >= noise) ink[i] = v;
  }
  if (isNoise(ink, width, height, levels)) return { x: null, box: null, ink: sum(ink) };
  if (strongest < levels.blank) return { x: null, box: null, ink: sum(raw) };
  const box = inkBox(ink, width, height, levels.noise);
  const [top, left, bottom, right] = box;
  const read = { box, ink: sum(ink) };
  const [h, w] = [bottom - top, right - left];
  if (isDot(crop(ink, width, box), h, w, Math.max(width, height), levels)) return { ...read, x: null };
  const [cropped, ch, cw] = switches.crop ? [crop(ink, width, box), h, w] : [ink, height, width];
  const size = setup.field;
  const picture = (image, w, h) => ({ image, width: w, height: h });
  let field;
  let fitted;
  if (switches.fit) {
    const scale = levels.box / Math.max(ch, cw);
    const [fh, fw] = [Math.max(1, pyRound(ch * scale)), Math.max(1, pyRound(cw * scale))];
    fitted = picture(resize(cropped, cw, ch, fw, fh), fw, fh);
    field = placeInField(fitted.image, fw, fh, switches.centre, size);
  } else {
    field = resize(cropped, cw, ch, size, size);
    fitted = picture(field, size, size);
  }
  const n = setup.size;
  const x = toRow(field, setup.resample, n, size);
  const small = new Float32Array(n * n); // upright, for showing
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) small[i * n + j] = x[j * n + i];
  const steps = {
    ink: picture(ink, width, height),
    cropped: picture(cropped, cw, ch),
    fitted,
    centred: picture(field, size, size),
    small: picture(small, n, n),
  };
  return { ...read, x, small, steps };
}

// --- The forward pass: digitdemo/nn.py --------------------------------------------------------------------------

const ACTIVATIONS = {
  relu: (z) => (z > 0 ? z : 0),
  linear: (z) => z,
  sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
};

// Dense layers, a @ W + b with W (inputs, units) row after row; silenced hidden units output 0 (why.py); softmax
// after the last, shifted by its maximum. -> {probabilities, hidden: each hidden layer's outputs}.
export function forward(layers, x, silenced) {
  let a = x;
  const hidden = [];
  layers.forEach((layer, index) => {
    const { W, b, units } = layer;
    const g = ACTIVATIONS[layer.activation];
    const out = new Float32Array(units);
    for (let j = 0; j < units; j++) {
      let z = b[j];
      for (let i = 0; i < a.length; i++) z += a[i] * W[i * units + j];
      out[j] = g(f32(z));
    }
    for (const unit of (index < layers.length - 1 && silenced && silenced[index]) || []) out[unit] = 0;
    if (index < layers.length - 1) hidden.push(out);
    a = out;
  });
  const top = Math.max(...a);
  const e = Array.from(a, (z) => Math.exp(z - top));
  const total = e.reduce((s, v) => s + v, 0);
  return { probabilities: e.map((v) => v / total), hidden };
}

// Float32 little-endian bytes, sent as base64 text -> a Float32Array.
export function decodeFloats(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

// --- The component ------------------------------------------------------------------------------------------------

const MODELS = new Map(); // model id -> {layers, resample}: sent once a session, kept across reruns and remounts
const STATES = new WeakMap(); // parentElement -> this instance's state

function rememberModel(model) {
  if (!model || MODELS.has(model.id) || !model.layers || model.layers.some((layer) => layer.W == null)) return;
  MODELS.set(model.id, {
    layers: model.layers.map((layer) => ({
      name: layer.name,
      activation: layer.activation,
      units: layer.units,
      W: decodeFloats(layer.W),
      b: decodeFloats(layer.b),
    })),
    resample: decodeFloats(model.resample),
  });
}

/* SHARED: find_canvas.js */

// What the canvas shows now: the finished strokes (lower canvas) under the one being drawn (upper canvas).
function canvasPixels(state) {
  const upper = state.canvas;
  const lower = upper.parentElement && upper.parentElement.querySelector("canvas.lower-canvas");
  if (!lower) return null;
  const { width, height } = lower;
  if (!state.scratch || state.scratch.width !== width || state.scratch.height !== height) {
    state.scratch = document.createElement("canvas");
    state.scratch.width = width;
    state.scratch.height = height;
    state.scratchContext = state.scratch.getContext("2d", { willReadFrequently: true });
  }
  const context = state.scratchContext;
  context.globalCompositeOperation = "copy";
  context.drawImage(lower, 0, 0);
  context.globalCompositeOperation = "source-over";
  context.drawImage(upper, 0, 0, width, height);
  return { rgba: context.getImageData(0, 0, width, height).data, width, height };
}

// One reading of pixels with the data's reader and switches: {box, ink, probabilities (or null), hidden, x, steps,
// layers: the reader's}.
export function read(rgba, width, height, data) {
  const model = data.model && MODELS.get(data.model.id);
  if (!model) return null;
  const setup = { levels: data.levels, field: data.field, size: data.size, resample: model.resample };
  const steps = preprocess(rgba, width, height, setup, data.switches);
  const out = steps.x ? forward(model.layers, steps.x, data.silenced) : { probabilities: null, hidden: null };
  return { ...steps, ...out, layers: model.layers, switches: data.switches };
}

// Each reading of the canvas, for the page's other live parts (sees.js: the steps, the network, the hidden units).
function publish(reading) {
  window.digitdemoReading = reading;
  window.dispatchEvent(new CustomEvent("digitdemo-reading", { detail: reading }));
}

function show(state, probabilities, source) {
  const root = state.root;
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : null;
  root.dataset.digit = best === null ? "" : String(best);
  root.dataset.probabilities = probabilities ? JSON.stringify(probabilities) : "";
  root.dataset.source = source;
  root.classList.toggle("dd-live-empty", !probabilities);
  root.classList.toggle("dd-live-drawing", source === "browser");
  // The digit read, large: live while the pen moves (the Prediction above is the server's, after the pen lifts).
  state.note.textContent = !probabilities ? "" : source === "browser" ? "reading as you draw:" : "read:";
  state.digit.textContent = best === null ? "" : String(best);
  state.columns.forEach((column, digit) => {
    const p = probabilities ? probabilities[digit] : 0;
    column.bar.style.height = `${(100 * p).toFixed(2)}%`;
    column.bar.classList.toggle("dd-live-best", digit === best);
    column.percent.textContent = p >= 0.005 ? `${Math.round(100 * p)}%` : "";
    column.element.title = `digit ${digit}: ${p.toFixed(4)}`;
  });
  state.shown = performance.now();
  state.updates += 1;
}

// Read the canvas now, and show the browser's answer.
function readNow(state) {
  state.frame = 0;
  if (!state.canvas || !state.canvas.isConnected || !state.data) return;
  const pixels = canvasPixels(state);
  if (!pixels) return;
  const reading = read(pixels.rgba, pixels.width, pixels.height, state.data);
  if (!reading) {
    // no weights yet (asked for again): the server's answer stands
    if (!state.down) show(state, state.data.answer ? state.data.answer.probabilities : null, "server");
    return;
  }
  state.reading = reading;
  publish(reading);
  if (!state.down && matches(state.data.answer, reading)) {
    show(state, state.data.answer.probabilities, "server");
  } else {
    show(state, reading.probabilities, "browser");
  }
}

// The server's answer is for the drawing on the canvas: the same ink box and the same amount of ink.
function matches(answer, reading) {
  if (!answer || !reading) return false;
  const sameBox = JSON.stringify(answer.box) === JSON.stringify(reading.box);
  return sameBox && Math.abs(answer.ink - reading.ink) <= 1e-4 * Math.max(1, answer.ink);
}

function schedule(state, frames = 1) {
  if (state.frame) return;
  const step = (left) => {
    state.frame = requestAnimationFrame(() => (left > 1 ? step(left - 1) : readNow(state)));
  };
  step(frames);
}

function listen(state) {
  const canvas = findCanvas();
  if (canvas === state.canvas) return;
  if (state.unlisten) state.unlisten();
  state.canvas = canvas;
  state.unlisten = null;
  if (!canvas) return;
  const down = (event) => {
    if (event.button !== undefined && event.button > 0) return;
    state.down = true;
    schedule(state);
  };
  const move = () => state.down && schedule(state);
  const up = () => {
    if (!state.down) return;
    state.down = false;
    cancelAnimationFrame(state.frame);
    state.frame = 0;
    schedule(state, 2); // the canvas draws the finished stroke on its next frame: read after it
  };
  const options = { passive: true, capture: true };
  const listeners = [
    [canvas, "pointerdown", down],
    [canvas, "pointermove", move],
    [canvas, "touchstart", down],
    [canvas, "touchmove", move],
    [window, "pointerup", up],
    [window, "pointercancel", up],
    [window, "touchend", up],
  ];
  for (const [target, event, handler] of listeners) target.addEventListener(event, handler, options);
  state.unlisten = () => {
    for (const [target, event, handler] of listeners) target.removeEventListener(event, handler, options);
  };
}

function build(parent) {
  const root = parent.querySelector(".dd-live");
  const bars = root.querySelector(".dd-live-bars");
  bars.replaceChildren();
  const columns = [];
  for (let digit = 0; digit < 10; digit++) {
    const element = document.createElement("div");
    element.className = "dd-live-column";
    element.innerHTML =
      '<div class="dd-live-track"><span class="dd-live-percent"></span><div class="dd-live-bar"></div></div>' +
      `<span class="dd-live-digit">${digit}</span>`;
    bars.appendChild(element);
    const bar = element.querySelector(".dd-live-bar");
    columns.push({ element, bar, percent: element.querySelector(".dd-live-percent") });
  }
  const [note, digit] = [root.querySelector(".dd-live-note"), root.querySelector(".dd-live-read")];
  return { root, note, digit, columns, updates: 0, frame: 0, down: false };
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const [data] = component.data; // one item: digitdemo/pages/live.py
  let state = STATES.get(parentElement);
  if (!state) {
    state = build(parentElement);
    STATES.set(parentElement, state);
  }
  rememberModel(data.model);
  state.data = data;
  // For a test from outside: this page's reading of any pixels (switches: the preprocessing's, else the page's).
  window.digitdemoLive = {
    read: (rgba, width, height, switches) => read(rgba, width, height, { ...state.data, ...(switches && { switches }) }),
    state,
  };
  if (data.live && data.model && !MODELS.has(data.model.id)) setTriggerValue("missing", data.model.id);
  clearInterval(state.watch);
  if (data.live) {
    listen(state);
    // The canvas may mount after this component, and a Clear mounts a new one: look for it until it is there.
    state.watch = setInterval(() => {
      if (!state.canvas || !state.canvas.isConnected) {
        listen(state);
        if (state.canvas && !state.down) readNow(state);
      }
    }, 250);
  } else if (state.unlisten) {
    state.unlisten();
    state.unlisten = null;
    state.canvas = null;
  }
  if (state.down) {
    // the pen is down: the browser's answer stays until the stroke is finished
  } else if (!data.live || !state.canvas) {
    show(state, data.answer ? data.answer.probabilities : null, "server");
  } else {
    readNow(state); // is the server's answer for the drawing on the canvas? (an undo, a Clear, a late answer)
  }
  return () => {
    clearInterval(state.watch);
    if (state.unlisten) state.unlisten();
    cancelAnimationFrame(state.frame);
    STATES.delete(parentElement);
  };
}
