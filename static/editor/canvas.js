/* canvas.js: the few things that need a pointer or a key.
 *
 * Dragging nodes, drawing flows from a node's handle, pan and zoom, keyboard
 * shortcuts and the copy button.  It fills the hidden forms of the editor page
 * and submits them, so htmx posts them; it never calls fetch() and holds no
 * domain state: legality, policies and warnings are decided on the server.
 * The hidden forms carry the revision the page shows (copied from the canvas),
 * so a change made on an outdated page is refused with the current state.
 * A large design's canvas is grouped: a collapsed namespace is one ".group"
 * (a drop target, not draggable; double-click expands it), and the nodes of an
 * expanded one are drawn shifted by data-ox/data-oy from where they are saved.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var view = null; // the user's pan and zoom as [x, y, w, h]; null: the server's fit
  var gesture = null; // the pointer gesture in progress
  var suppressClick = false; // a drag ends with a click that must not select

  function svg() {
    return document.getElementById("canvas-svg");
  }

  function toSvg(evt) {
    var s = svg();
    var p = s.createSVGPoint();
    p.x = evt.clientX;
    p.y = evt.clientY;
    return p.matrixTransform(s.getScreenCTM().inverse());
  }

  function viewBox() {
    return svg().getAttribute("viewBox").split(/[\s,]+/).map(Number);
  }

  function setView(box) {
    view = box;
    svg().setAttribute("viewBox", box.map(function (n) { return n.toFixed(1); }).join(" "));
  }

  function submit(id, values) {
    var form = document.getElementById(id);
    if (!form) return;
    // the revision the page shows now: the canvas is swapped with every change, these forms never are
    var canvas = document.getElementById("canvas");
    if (form.elements.revision && canvas) form.elements.revision.value = canvas.dataset.revision;
    Object.keys(values || {}).forEach(function (name) {
      form.elements[name].value = values[name];
    });
    form.requestSubmit();
  }

  function history(which) {
    // the toolbar's button says whether there is anything to undo or redo; the form outside it stays put
    var button = document.getElementById(which + "-button");
    if (button && !button.disabled) submit(which + "-form");
  }

  function press(id) {
    var button = document.getElementById(id);
    if (button && !button.disabled) button.click();
  }

  // ------------------------------------------------------------ geometry

  function boxOf(key, moving) {
    if (moving && moving.key === key) return moving.box;
    var el = svg().querySelector('[data-node="' + CSS.escape(key) + '"]');
    if (!el) return null;
    if (el.classList.contains("node")) {
      return { x: +el.dataset.x, y: +el.dataset.y, w: +el.dataset.w, h: +el.dataset.h };
    }
    var r = el.querySelector("rect");
    var w = +r.getAttribute("width"), h = +r.getAttribute("height");
    return { x: +r.getAttribute("x") + w / 2, y: +r.getAttribute("y") + h / 2, w: w, h: h };
  }

  function clip(a, b) {
    // where the segment from a's centre towards b's centre leaves a's box
    var dx = b.x - a.x, dy = b.y - a.y;
    if (!dx && !dy) return { x: a.x, y: a.y };
    var sx = dx ? (a.w / 2 + 4) / Math.abs(dx) : Infinity;
    var sy = dy ? (a.h / 2 + 4) / Math.abs(dy) : Infinity;
    var s = Math.min(sx, sy);
    return { x: a.x + dx * s, y: a.y + dy * s };
  }

  function edgesOf(key) {
    var k = CSS.escape(key);
    return svg().querySelectorAll('.edge[data-src="' + k + '"], .edge[data-dst="' + k + '"]');
  }

  function redrawEdges(moving) {
    moving.edges.forEach(function (edge) {
      var a = boxOf(edge.dataset.src, moving), b = boxOf(edge.dataset.dst, moving);
      if (!a || !b) return;
      var p = clip(a, b), q = clip(b, a);
      var d = "M" + p.x.toFixed(1) + " " + p.y.toFixed(1) + " L" + q.x.toFixed(1) + " " + q.y.toFixed(1);
      edge.querySelectorAll("path").forEach(function (path) { path.setAttribute("d", d); });
      var label = edge.querySelector(".edge-label");
      if (label) label.setAttribute("transform", "translate(" + ((p.x + q.x) / 2).toFixed(1) + " " + ((p.y + q.y) / 2).toFixed(1) + ")");
    });
  }

  // ------------------------------------------------------------ pointer gestures

  document.addEventListener("pointerdown", function (evt) {
    var s = svg();
    if (evt.button !== 0 || !s || !s.contains(evt.target)) return;
    var start = toSvg(evt);
    // a read-only page (a viewer's) has no handles, and its nodes pan like the background instead of moving
    var readonly = !!evt.target.closest("[data-readonly]");
    var down = evt.target;
    var handle = readonly ? null : evt.target.closest("[data-handle]");
    var node = readonly ? null : evt.target.closest(".node");
    if (handle) {
      var from = handle.closest(".node");
      var draft = document.createElementNS("http://www.w3.org/2000/svg", "path");
      draft.setAttribute("class", "draft");
      draft.setAttribute("marker-end", "url(#arrow-draft)");
      s.appendChild(draft);
      var origin = { x: +from.dataset.x + +from.dataset.w / 2, y: +from.dataset.y };
      gesture = { type: "draw", key: handle.dataset.handle, origin: origin, draft: draft, target: null, down: down };
      s.classList.add("drawing");
    } else if (node) {
      gesture = {
        type: "move", node: node, key: node.dataset.node, start: start, moved: false, down: down,
        box: { x: +node.dataset.x, y: +node.dataset.y, w: +node.dataset.w, h: +node.dataset.h },
        x: +node.dataset.x, y: +node.dataset.y,
        edges: edgesOf(node.dataset.node), // looked up once: a pointermove must not scan every arrow
      };
    } else {
      gesture = { type: "pan", client: { x: evt.clientX, y: evt.clientY }, box: viewBox(), moved: false, down: down };
    }
    evt.preventDefault();
  });

  document.addEventListener("pointermove", function (evt) {
    if (!gesture) return;
    if (gesture.type === "move") {
      var p = toSvg(evt), dx = p.x - gesture.start.x, dy = p.y - gesture.start.y;
      if (!gesture.moved && Math.hypot(dx, dy) < 3) return;
      gesture.moved = true;
      gesture.box.x = gesture.x + dx;
      gesture.box.y = gesture.y + dy;
      gesture.node.classList.add("dragging");
      gesture.node.setAttribute("transform",
        "translate(" + (gesture.box.x - gesture.box.w / 2).toFixed(1) + " " + (gesture.box.y - gesture.box.h / 2).toFixed(1) + ")");
      redrawEdges(gesture);
    } else if (gesture.type === "draw") {
      var q = toSvg(evt), o = gesture.origin;
      gesture.draft.setAttribute("d", "M" + o.x.toFixed(1) + " " + o.y.toFixed(1) + " L" + q.x.toFixed(1) + " " + q.y.toFixed(1));
      var under = document.elementFromPoint(evt.clientX, evt.clientY);
      var target = under && under.closest(".node, .region, .group");
      if (target && target.dataset.node === gesture.key) target = null;
      if (gesture.target && gesture.target !== target) gesture.target.classList.remove("drop-target");
      if (target) target.classList.add("drop-target");
      gesture.target = target;
    } else if (gesture.type === "pan") {
      var cx = evt.clientX - gesture.client.x, cy = evt.clientY - gesture.client.y;
      if (!gesture.moved && Math.hypot(cx, cy) < 3) return;
      gesture.moved = true;
      var scale = gesture.box[2] / svg().clientWidth;
      setView([gesture.box[0] - cx * scale, gesture.box[1] - cy * scale, gesture.box[2], gesture.box[3]]);
    }
  });

  document.addEventListener("pointerup", function () {
    if (!gesture) return;
    var g = gesture;
    gesture = null;
    if (g.type === "move" && g.moved) {
      suppressClick = true;
      // saved where it would be drawn without the grouped layout's shift
      var ox = +(g.node.dataset.ox || 0), oy = +(g.node.dataset.oy || 0);
      submit("move-form", { node: g.key, x: Math.round(g.box.x - ox), y: Math.round(g.box.y - oy) });
    } else if (g.type === "draw") {
      endDraw(g);
      suppressClick = true;
      if (g.target) submit("flow-form", { source: g.key, destination: g.target.dataset.node });
    } else if (g.type === "pan" && g.moved) {
      suppressClick = true;
    } else if (g.type === "move" || g.type === "pan") {
      // a click: the part clicked has the focus (so Delete acts on it), not the page
      var part = g.down && g.down.closest && g.down.closest("#canvas-svg [tabindex]");
      if (part) quietFocus(part);
    }
    setTimeout(function () { suppressClick = false; }, 0);
  });

  function endDraw(g) {
    g.draft.remove();
    if (g.target) g.target.classList.remove("drop-target");
    var s = svg();
    if (s) s.classList.remove("drawing");
  }

  function cancelGesture() {
    var g = gesture;
    gesture = null;
    if (g.type === "draw") endDraw(g);
    if (g.type === "move") {
      g.box.x = g.x;
      g.box.y = g.y;
      g.node.classList.remove("dragging");
      g.node.setAttribute("transform",
        "translate(" + (g.x - g.box.w / 2).toFixed(1) + " " + (g.y - g.box.h / 2).toFixed(1) + ")");
      redrawEdges(g);
    }
  }

  document.addEventListener("click", function (evt) {
    if (suppressClick) {
      evt.stopPropagation();
      evt.preventDefault();
      suppressClick = false;
    } else if (evt.detail > 1 && evt.target.closest && evt.target.closest(".group")) {
      // a double-click's second click on a collapsed namespace: the first selected it, the double-click expands
      evt.stopPropagation();
    }
  }, true);

  // ------------------------------------------------------------ zoom

  function zoom(factor, centre) {
    var box = viewBox();
    var w = Math.min(Math.max(box[2] * factor, 240), 12000);
    factor = w / box[2];
    var c = centre || { x: box[0] + box[2] / 2, y: box[1] + box[3] / 2 };
    setView([c.x - (c.x - box[0]) * factor, c.y - (c.y - box[1]) * factor, box[2] * factor, box[3] * factor]);
  }

  function fit() {
    view = null;
    var canvas = document.getElementById("canvas");
    if (canvas) svg().setAttribute("viewBox", canvas.dataset.fit);
  }

  document.addEventListener("wheel", function (evt) {
    var s = svg();
    if (!s || !s.contains(evt.target)) return;
    evt.preventDefault();
    zoom(evt.deltaY < 0 ? 0.9 : 1 / 0.9, toSvg(evt));
  }, { passive: false });

  // Double-click a collapsed namespace: expand it.  Through the hidden form, which is never swapped: the
  // double-click's first click has already asked to select the namespace, and that answer replaces the group.
  document.addEventListener("dblclick", function (evt) {
    var group = evt.target.closest && evt.target.closest(".group");
    if (group && !evt.target.closest("[data-toggle]")) {
      submit("expand-js-form", { namespace: group.dataset.node.slice("namespace:".length) });
    }
  });

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-zoom]");
    if (button) {
      var how = button.dataset.zoom;
      if (how === "fit") fit(); else zoom(how === "in" ? 0.8 : 1.25);
      return;
    }
    var copy = evt.target.closest("[data-copy]");
    if (copy) copyText(copy);
  });

  // After htmx swaps in a new canvas, keep the user's pan and zoom: as soon as it is in the page (afterSwap,
  // before htmx's settle delay, so the server's fit never shows), and again when htmx has processed it.
  // A canvas that names a part in data-zoom-to (found, or a namespace just expanded) is zoomed to it instead.
  function keepView() {
    var canvas = document.getElementById("canvas");
    if (canvas && canvas.dataset.zoomTo) {
      var key = canvas.dataset.zoomTo;
      delete canvas.dataset.zoomTo;
      if (zoomTo(key)) return;
    }
    if (view && svg()) setView(view);
  }

  function partOf(key) {
    var k = CSS.escape(key);
    return svg().querySelector('[data-node="' + k + '"], [data-flow="' + k + '"]');
  }

  function boxOfPart(el) {
    // the part's box in the drawing's coordinates
    if (el.dataset.w) return { x: +el.dataset.x, y: +el.dataset.y, w: +el.dataset.w, h: +el.dataset.h };
    var b = el.getBBox();
    return { x: b.x + b.width / 2, y: b.y + b.height / 2, w: b.width, h: b.height };
  }

  function zoomTo(key) {
    var el = partOf(key);
    if (!el) return false;
    var b = boxOfPart(el), s = svg();
    var ratio = s.clientHeight / Math.max(s.clientWidth, 1) || 0.7;
    var w = key.indexOf("namespace:") === 0 && !el.classList.contains("group")
      ? Math.max(b.w + 120, (b.h + 120) / ratio, 600)
      : Math.max(b.w * 5, 760);
    setView([b.x - w / 2, b.y - (w * ratio) / 2, w, w * ratio]);
    return true;
  }

  function showPart(el) {
    // pan so a part focused from the keyboard is on screen (the drawing does not scroll by itself)
    var r = el.getBoundingClientRect(), c = svg().getBoundingClientRect();
    if (r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom) return;
    var b = boxOfPart(el), box = viewBox();
    setView([b.x - box[2] / 2, b.y - box[3] / 2, box[2], box[3]]);
  }

  // Focus across swaps: a part focused on the canvas before a request is focused again in the new canvas
  // (the selection, when the focused part is gone); a new flow drawn with the pointer (data-focus-selected)
  // and a part found with the find box get the focus too, so Delete then acts on them; a field the server
  // asks for (autofocus: the ports of a new all-ports flow) gets it before anything else.
  var refocus = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var active = document.activeElement;
    var inCanvas = active && active.closest && active.closest("#canvas");
    var fromFind = evt.detail.elt && evt.detail.elt.id === "find-form";
    var clicked = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("#canvas-svg [tabindex]");
    if (clicked) refocus = "selected"; // a click on a part selects it: the canvas keeps the focus
    else if (inCanvas) refocus = active.dataset.node || active.dataset.flow || "selected";
    else if (fromFind) refocus = "selected";
    else refocus = null;
  });
  function restoreFocus() {
    var canvas = document.getElementById("canvas");
    if (!canvas) return;
    var asked = document.querySelector("#inspector [autofocus]");
    if (asked) {
      if (document.activeElement !== asked) asked.focus();
      refocus = null;
      return;
    }
    if (canvas.dataset.focusSelected) {
      delete canvas.dataset.focusSelected;
      refocus = "selected";
    }
    if (!refocus) return;
    var el = (refocus !== "selected" && partOf(refocus)) || (canvas.dataset.selected && partOf(canvas.dataset.selected));
    refocus = null;
    if (el) quietFocus(el);
  }

  var quiet = false; // a focus that must not pan the drawing (a click, a swap): only the keyboard's does
  function quietFocus(el) {
    quiet = true;
    el.focus({ preventScroll: true });
    quiet = false;
  }
  document.addEventListener("htmx:afterSwap", restoreFocus);
  document.addEventListener("htmx:afterSettle", restoreFocus);

  document.addEventListener("focusin", function (evt) {
    var el = evt.target;
    if (!quiet && el && el.closest && el.closest("#canvas-svg") && el.getAttribute("tabindex") === "0") showPart(el);
  });

  // Choosing one of the find box's suggestions finds it at once (typing and Enter does too).
  document.addEventListener("input", function (evt) {
    var input = evt.target;
    if (input.id !== "find-input") return;
    if (evt.inputType && evt.inputType !== "insertReplacementText") return;
    var list = document.getElementById("find-options");
    var chosen = list && Array.prototype.some.call(list.options, function (o) { return o.value === input.value; });
    if (chosen) input.form.requestSubmit();
  });

  function neighbour(from, key) {
    // the node, namespace or group nearest to ``from`` in the arrow's direction (on screen)
    var dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
    var a = from.getBoundingClientRect();
    var ax = a.left + a.width / 2, ay = a.top + a.height / 2;
    var best = null, bestScore = Infinity;
    svg().querySelectorAll(".node, .group, .region-head").forEach(function (el) {
      if (el === from) return;
      var r = el.getBoundingClientRect();
      var dx = r.left + r.width / 2 - ax, dy = r.top + r.height / 2 - ay;
      var along = dx * dir[0] + dy * dir[1], across = Math.abs(dx * dir[1] - dy * dir[0]);
      if (along <= 1 || across > along * 2) return;
      var score = along + across * 2;
      if (score < bestScore) { best = el; bestScore = score; }
    });
    return best;
  }
  document.addEventListener("htmx:afterSwap", keepView);
  document.addEventListener("htmx:oobAfterSwap", keepView);
  document.addEventListener("DOMContentLoaded", keepView);
  document.addEventListener("htmx:load", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "canvas") keepView();
  });

  // ------------------------------------------------------------ copy

  function copyText(button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var done = function () {
      button.textContent = "Copied";
      button.classList.add("done");
      setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent).then(done);
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      if (document.execCommand("copy")) done();
      selection.removeAllRanges();
    }
  }

  // ------------------------------------------------------------ keyboard

  document.addEventListener("keydown", function (evt) {
    if (!document.getElementById("canvas")) return;
    var typing = evt.target.closest && evt.target.closest("input, textarea, select, [contenteditable]");
    var mod = evt.ctrlKey || evt.metaKey;
    var key = evt.key.toLowerCase();
    if (typing) {
      if (evt.key === "Escape") evt.target.blur();
      return;
    }
    var part = evt.target.closest && evt.target.closest("#canvas-svg [tabindex]");
    if (part && !mod && !evt.altKey) {
      if (evt.key === "Enter" || evt.key === " ") {
        evt.preventDefault();
        if (part.classList.contains("group") && part.classList.contains("selected")) {
          submit("expand-js-form", { namespace: part.dataset.node.slice("namespace:".length) });
        } else {
          part.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
        }
        return;
      }
      if (evt.key.indexOf("Arrow") === 0) {
        evt.preventDefault();
        var next = neighbour(part, evt.key);
        if (next) next.focus();
        return;
      }
    }
    if (mod && key === "z") {
      evt.preventDefault();
      history(evt.shiftKey ? "redo" : "undo");
    } else if (mod && key === "y") {
      evt.preventDefault();
      history("redo");
    } else if (mod || evt.altKey) {
      return;
    } else if (evt.key === "Escape") {
      if (gesture) cancelGesture(); else submit("cancel-form");
    } else if (evt.key === "Delete" || evt.key === "Backspace") {
      // only while the canvas has the focus: elsewhere (a button, the page) Delete is not the canvas's
      if (evt.target.closest && evt.target.closest("#canvas") && document.getElementById("canvas").dataset.selected) {
        evt.preventDefault();
        submit("remove-form");
      }
    } else if (key === "c") {
      press("connect-button");
    } else if (key === "f") {
      submit("focus-form"); // the form outside the toolbar: a toolbar swapped meanwhile would drop the request
    } else if (key === "l") {
      press("layout-button");
    } else if (evt.key === "/") {
      var find = document.getElementById("find-input");
      if (find) { evt.preventDefault(); find.focus(); }
    } else if (key === "+" || key === "=") {
      zoom(0.8);
    } else if (key === "-") {
      zoom(1.25);
    } else if (key === "0") {
      fit();
    }
  });
})();
