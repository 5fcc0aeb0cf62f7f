// The drawing in progress, kept by the browser (issue 29): a worker killed or a connection lost gives the page a new
// server session, whose canvas comes back blank. Every stroke on the Draw page's canvas is kept in the tab's
// sessionStorage (its points, as shares of the canvas's width and height; another tab starts with none); a page
// that starts a new session (FRESH) draws them again on the new canvas with the mouse events the canvas listens to,
// so it reads and sends them as if drawn by hand. Clear and Send give a new canvas (a new VERSION): the strokes
// kept are forgotten.
(function (fresh, version) {
  const KEY = "digitdemo.draft";
  const read = () => {
    try {
      return JSON.parse(window.sessionStorage.getItem(KEY)) || null;
    } catch (error) {
      return null;
    }
  };
  const write = (draft) => {
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify(draft));
    } catch (error) {
      /* storage full or off: nothing kept, nothing lost that was not already */
    }
  };
  /* SHARED: find_canvas.js */
  const state = (window.__digitdemoDraft = window.__digitdemoDraft || { replaying: false, stroke: null });
  state.version = version;
  if (!state.listening) {
    state.listening = true;
    const share = (event, canvas) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
    };
    document.addEventListener(
      "pointerdown",
      (event) => {
        const canvas = event
          .composedPath()
          .find((element) => element.classList && element.classList.contains("upper-canvas"));
        if (!canvas || state.replaying) return;
        state.canvas = canvas;
        state.stroke = [share(event, canvas)];
      },
      true
    );
    document.addEventListener(
      "pointermove",
      (event) => {
        if (state.stroke && !state.replaying) state.stroke.push(share(event, state.canvas));
      },
      true
    );
    const end = (event) => {
      if (!state.stroke || state.replaying) return;
      state.stroke.push(share(event, state.canvas));
      const draft = read();
      const strokes = draft && draft.version === state.version ? draft.strokes : [];
      write({ version: state.version, strokes: [...strokes, state.stroke] });
      state.stroke = null;
    };
    document.addEventListener("pointerup", end, true);
    document.addEventListener("pointercancel", end, true);
  }
  const draft = read();
  if (!draft || !draft.strokes || !draft.strokes.length) return;
  if (!fresh) {
    if (draft.version !== version) window.sessionStorage.removeItem(KEY); // Clear or Send: a new canvas
    return;
  }
  // A new session: draw the kept strokes again once the canvas is there (it mounts after this script runs).
  const replay = (tries) => {
    const canvas = findCanvas(document);
    if (!canvas || canvas.getBoundingClientRect().width === 0) {
      if (tries > 0) setTimeout(() => replay(tries - 1), 250);
      return;
    }
    const box = canvas.getBoundingClientRect();
    const at = ([x, y], type, target) =>
      target.dispatchEvent(
        new MouseEvent(type, {
          bubbles: true,
          cancelable: true,
          composed: true, // out of the canvas's shadow root: the canvas follows a stroke's moves on the document
          view: window,
          button: 0,
          buttons: type === "mouseup" ? 0 : 1,
          clientX: box.left + x * box.width,
          clientY: box.top + y * box.height,
        })
      );
    state.replaying = true;
    try {
      for (const stroke of draft.strokes) {
        at(stroke[0], "mousedown", canvas);
        for (const point of stroke.slice(1)) at(point, "mousemove", canvas);
        at(stroke[stroke.length - 1], "mouseup", canvas);
      }
    } finally {
      state.replaying = false;
    }
    write({ version: version, strokes: draft.strokes });
  };
  setTimeout(() => replay(40), 500); // the canvas's own setup first (the brief: about 1 s after load)
})(FRESH, VERSION);
