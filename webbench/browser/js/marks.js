// Set-of-marks: pick the elements to mark, draw numbered boxes over a page, or remove them.
//
// Called as a function of one options object, in any driver that can run a script with an
// argument (Playwright's evaluate; Selenium's execute_script as `return (<this>)(arguments[0])`):
//   {action: "draw", marks: [{label, x, y, width, height}], container: "<element id>", style}
//     draws one outlined box and one label per mark, in viewport (client) pixels, inside a
//     fixed, click-through overlay element with id `container`; returns the number drawn.
//     style "webbench" (the default): colours cycle through a fixed palette so that neighbouring
//     boxes differ, each label above its box. style "webvoyager": WebVoyager's published look
//     (--fix_box_color): a 2px dashed black outline, the label inside the box's top-left corner
//     at WebVoyager's offsets (19px up, or less near the top; 2px in), white 12px text on black;
//   {action: "remove", container: "<element id>"} removes the overlay; returns 1 if there was one;
//   {action: "collect"} returns the elements WebVoyager's marking script marks, in its order:
//     [{element, rects: [{left, top, width, height}], text, tag, type, ariaLabel}] (see below).
// The overlay replaces any earlier one with the same id.
(options) => {
  if (options.action === "collect") {
    // WebVoyager's rules (MinorJerry/WebVoyager utils.py, markPage): a candidate is an input,
    // textarea, select, button, a, an element with onclick or cursor:pointer, an iframe, video,
    // li, td or option; its boxes are its client rects whose centre hits it (or a descendant),
    // clipped to the viewport; it is kept when their area is at least 20. Then items inside a
    // marked button or link are dropped, as is the only child of a marked span with a role,
    // and every item that contains another item (the innermost are kept).
    const vw = Math.max(document.documentElement.clientWidth || 0, window.innerWidth || 0);
    const vh = Math.max(document.documentElement.clientHeight || 0, window.innerHeight || 0);
    const wanted = new Set(["INPUT", "TEXTAREA", "SELECT", "BUTTON", "A", "IFRAME", "VIDEO", "LI", "TD", "OPTION"]);
    let items = [];
    for (const element of document.querySelectorAll("*")) {
      const rects = [...element.getClientRects()]
        .filter((bb) => {
          const hit = document.elementFromPoint(bb.left + bb.width / 2, bb.top + bb.height / 2);
          return hit === element || element.contains(hit);
        })
        .map((bb) => {
          const left = Math.max(0, bb.left), top = Math.max(0, bb.top);
          const right = Math.min(vw, bb.right), bottom = Math.min(vh, bb.bottom);
          return { left, top, width: right - left, height: bottom - top };
        });
      const area = rects.reduce((sum, r) => sum + r.width * r.height, 0);
      const include =
        wanted.has(element.tagName) || element.onclick != null || window.getComputedStyle(element).cursor == "pointer";
      if (include && area >= 20) {
        items.push({ element, rects, text: element.textContent.trim().replace(/\s{2,}/g, " ") });
      }
    }
    const marked = new Set(items.map((item) => item.element));
    const buttons = [...document.querySelectorAll('button, a, input[type="button"], div[role="button"]')];
    items = items.filter((x) => !buttons.some((y) => marked.has(y) && y.contains(x.element) && x.element !== y));
    const kept = new Set(items.map((item) => item.element));
    items = items.filter((x) => {
      const parent = x.element.parentNode;
      return !(parent && parent.tagName === "SPAN" && parent.children.length === 1 &&
        parent.getAttribute("role") && kept.has(parent));
    });
    items = items.filter((x) => !items.some((y) => x.element.contains(y.element) && x !== y));
    return items.map((item) => {
      const el = item.element;
      const type = el.type != null && typeof el.type !== "object" ? String(el.type) : el.getAttribute("type");
      return { ...item, tag: el.tagName.toLowerCase(), type, ariaLabel: el.getAttribute("aria-label") };
    });
  }
  const old = document.getElementById(options.container);
  if (old) old.remove();
  if (options.action === "remove") return old ? 1 : 0;
  const palette = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080", "#9a6324", "#800000"];
  const overlay = document.createElement("div");
  overlay.id = options.container;
  overlay.setAttribute("aria-hidden", "true");
  overlay.style.cssText =
    "position:fixed;left:0;top:0;width:100%;height:100%;pointer-events:none;z-index:2147483647;";
  options.marks.forEach((mark, index) => {
    const box = document.createElement("div");
    const label = document.createElement("span");
    label.textContent = String(mark.label);
    const place = `position:absolute;left:${mark.x}px;top:${mark.y}px;width:${mark.width}px;height:${mark.height}px;`;
    if (options.style === "webvoyager") {
      box.style.cssText = place + "outline:2px dashed #000000;box-sizing:border-box;";
      label.style.cssText =
        `position:absolute;top:${Math.max(-19, -mark.y)}px;left:${Math.min(Math.floor(mark.width / 5), 2)}px;` +
        "background:#000000;color:white;padding:2px 4px;font-size:12px;border-radius:2px;";
      box.append(label);
      overlay.append(box);
      return;
    }
    const colour = palette[index % palette.length];
    box.style.cssText = place + `outline:2px solid ${colour};box-sizing:border-box;`;
    label.style.cssText =
      `position:absolute;left:${mark.x}px;top:${Math.max(0, mark.y - 14)}px;background:${colour};` +
      "color:#fff;font:bold 11px/14px monospace;padding:0 2px;";
    overlay.append(box, label);
  });
  (document.body || document.documentElement).appendChild(overlay);
  return options.marks.length;
}
