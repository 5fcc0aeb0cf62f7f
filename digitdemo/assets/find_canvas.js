// The drawing surface: streamlit-drawable-canvas renders its canvases in an open shadow root, so look inside
// shadow roots too. Shared by live.js and draft.js: Python puts it where they say SHARED (pages/common.py: script).
function findCanvas(root = document) {
  const found = root.querySelector("canvas.upper-canvas");
  if (found) return found;
  for (const element of root.querySelectorAll("*")) {
    if (element.shadowRoot) {
      const inner = findCanvas(element.shadowRoot);
      if (inner) return inner;
    }
  }
  return null;
}
