// Set-of-marks: draw numbered boxes over a page, or remove them.
//
// Called as a function of one options object, in any driver that can run a script with an
// argument (Playwright's evaluate, Selenium's execute_script):
//   {action: "draw", marks: [{label, x, y, width, height}], container: "<element id>"}
//     draws one outlined box and one label per mark, in viewport (client) pixels, inside a
//     fixed, click-through overlay element with id `container`; returns the number drawn;
//   {action: "remove", container: "<element id>"} removes the overlay; returns 1 if there was one.
// The overlay replaces any earlier one with the same id. The colours cycle through a fixed
// palette so that neighbouring boxes differ.
(options) => {
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
    const colour = palette[index % palette.length];
    const box = document.createElement("div");
    box.style.cssText =
      `position:absolute;left:${mark.x}px;top:${mark.y}px;width:${mark.width}px;` +
      `height:${mark.height}px;outline:2px solid ${colour};box-sizing:border-box;`;
    const label = document.createElement("span");
    label.textContent = String(mark.label);
    label.style.cssText =
      `position:absolute;left:${mark.x}px;top:${Math.max(0, mark.y - 14)}px;background:${colour};` +
      "color:#fff;font:bold 11px/14px monospace;padding:0 2px;";
    overlay.append(box, label);
  });
  (document.body || document.documentElement).appendChild(overlay);
  return options.marks.length;
}
