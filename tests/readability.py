"""Measure, in a real browser, every visible text's font size and WCAG contrast against what is behind it.

``offenders(page)`` walks the DOM's text nodes and the plotly SVG text (ticks, axis titles,
annotations, bar and cell labels) and returns each text with its size in px, its colour, its
effective background and the contrast ratio. Backgrounds come from computed styles: for DOM
text, the background colours of the element and its ancestors composited; for plotly text, the
marker or bar under it, else the plot area's colour, else the paper's, over the page behind it.
"""

MIN_PX = 14.0  # issue 10: ticks, axis titles, captions and matrix numbers at least 14 px at 1280 px
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text

MEASURE = r"""
() => {
  const ctx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
  const cache = new Map();
  // Any CSS colour (rgb, hex, oklch, color-mix...) to [r, g, b, a] through the canvas.
  function rgba(css) {
    if (!css || css === 'none' || css === 'transparent') return [0, 0, 0, 0];
    if (cache.has(css)) return cache.get(css).slice();  // a copy: callers scale its alpha
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000'; ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    const c = [d[0], d[1], d[2], d[3] / 255];
    cache.set(css, c);
    return c.slice();
  }
  const over = (top, bottom) => {  // top composited over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const hex = c => '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  function opacity(el) {
    let o = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
    return o;
  }
  // The opaque colour behind an element: its and its ancestors' background colours, composited.
  // Only ancestors whose box holds the text's centre count: a slider's value label sits above its thumb.
  function background(el, x, y) {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      if (x !== undefined && e !== document.body && e !== document.documentElement
          && !inside(e.getBoundingClientRect(), x, y)) continue;
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  }
  const inside = (r, x, y) => r.width > 0 && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  const shapeFill = el => {
    const s = getComputedStyle(el);
    const c = rgba(s.fill);
    c[3] *= parseFloat(s.fillOpacity) * opacity(el);
    return c;
  };
  const describe = el => {
    const id = el.closest('[data-testid]');
    const cls = el.getAttribute('class');
    return (id ? id.dataset.testid : el.tagName) + (cls ? '.' + cls.split(' ')[0] : '');
  };
  const out = [];
  function record(el, text, fg, bg, kind, scale = 1) {
    const style = getComputedStyle(el);
    const color = over(fg, bg);
    // An icon (a Material Symbols ligature) is not text: WCAG 1.4.11 asks 3:1 and no size.
    const icon = !!el.closest('[data-testid=stIconMaterial]');
    // A formula's subscripts are smaller than its 19 px body by design: only their contrast counts.
    const script = !!el.closest('.katex') && !!el.closest('.msupsub');
    out.push({
      kind: icon ? 'icon' : kind, text: text.slice(0, 60), where: describe(el), px: parseFloat(style.fontSize) * scale,
      sized: !icon && !script,
      color: hex(color), background: hex(bg), contrast: Math.round(ratio(color, bg) * 100) / 100,
    });
  }
  const visible = el => {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;  // e.g. KaTeX's screen-reader copy
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === 'hidden' || s.display === 'none' || parseFloat(s.opacity) === 0) return false;
    }
    return true;
  };
  // DOM text (everything but SVG).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.replace(/[\s\u200b]+/g, ' ').trim();
    if (!text || !el || el.closest('svg, script, style, noscript, iframe, .katex-mathml')) continue;
    // WCAG exempts inactive controls (a disabled toggle's label too).
    if (el.closest('[disabled], [aria-disabled="true"]')) continue;
    const label = el.closest('label');
    if (label && label.querySelector('input:disabled')) continue;
    if (!visible(el)) continue;
    const fg = rgba(getComputedStyle(el).color);
    fg[3] *= opacity(el);
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    record(el, text, fg, background(el, (r.left + r.right) / 2, (r.top + r.bottom) / 2), 'page');
  }
  // Plotly's SVG text.
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    // Plotly paints paper_bgcolor as the first main-svg's CSS background, plot_bgcolor as .bglayer rects.
    const paper = over(rgba(getComputedStyle(plot.querySelector('svg.main-svg')).backgroundColor), background(plot));
    const areas = [...plot.querySelectorAll('.bglayer rect.bg')];
    for (const t of plot.querySelectorAll('text')) {
      const text = t.textContent.trim();
      if (!text || !visible(t)) continue;
      const r = t.getBoundingClientRect();
      const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
      let bg = paper;
      const area = areas.find(a => inside(a.getBoundingClientRect(), x, y));
      if (area) bg = over(shapeFill(area), paper);
      const trace = t.closest('g.trace');
      const marks = trace ? [...trace.querySelectorAll('path.point')] : [];
      const mark = marks.find(p => inside(p.getBoundingClientRect(), x, y));
      if (mark) bg = over(shapeFill(mark), bg);
      const fg = rgba(getComputedStyle(t).fill);
      fg[3] *= parseFloat(getComputedStyle(t).fillOpacity) * opacity(t);
      record(t, text, fg, bg, 'chart');
    }
  }
  // Our own SVG text (the Draw page's network, assets/sees.js): its size as shown, the viewBox scaled to the screen.
  for (const drawing of document.querySelectorAll('svg[viewBox]')) {
    if (drawing.closest('.js-plotly-plot') || !drawing.querySelector('text')) continue;
    const scale = drawing.getBoundingClientRect().width / drawing.viewBox.baseVal.width;
    for (const t of drawing.querySelectorAll('text')) {
      const text = t.textContent.trim();
      if (!text || !visible(t)) continue;
      const r = t.getBoundingClientRect();
      const fg = rgba(getComputedStyle(t).fill);
      record(t, text, fg, background(drawing, (r.left + r.right) / 2, (r.top + r.bottom) / 2), 'chart', scale);
    }
  }
  return out;
}
"""


def measure(page) -> list[dict]:
    """Every visible text on the page: kind, text, where, px, color, background, contrast."""
    return page.evaluate(MEASURE)


def offenders(texts: list[dict], min_px: float = MIN_PX, min_contrast: float = MIN_CONTRAST) -> list[dict]:
    """Texts under min_px (where size counts) or under min_contrast (3:1 for icons)."""
    return [
        t
        for t in texts
        if (t["sized"] and t["px"] < min_px - 0.01) or t["contrast"] < (3.0 if t["kind"] == "icon" else min_contrast)
    ]


def report(texts: list[dict]) -> str:
    """One line per text, for a failure message."""
    return "\n".join(
        f"  {t['kind']:5} {t['px']:5.1f}px {t['contrast']:5.2f}:1 {t['color']} on {t['background']}  "
        f"{t['where']}: {t['text']!r}"
        for t in texts
    )
