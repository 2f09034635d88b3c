// Stable element ids for webbench's observations (one document per call).
//
// Called as a function of one options object: {attr, textAttr, base}. Every element of the
// document (open shadow roots included) gets `attr` = a decimal id; every text node gets an id
// too, listed in document order in its parent element's `textAttr` (ids separated by spaces),
// because a text node cannot hold an attribute. Ids come from a counter kept on the window,
// starting at `base`: existing nodes keep their ids across calls, new nodes get new ones, and a
// fresh document (a navigation, a reload) numbers its nodes again from `base` in document order,
// so the same page gets the same ids. A copied attribute (cloneNode) is renumbered.
// Returns {fresh, next, scrollX, scrollY, title}. No dependency on Playwright or Selenium.
(options) => {
  const key = "__webbenchIds";
  let state = window[key];
  const fresh = !state || state.base !== options.base;
  if (fresh) {
    state = { base: options.base, next: options.base, text: new WeakMap() };
    Object.defineProperty(window, key, { value: state, configurable: true, writable: true });
  }
  const seen = new Set();
  const mark = (element) => {
    let id = fresh ? null : element.getAttribute(options.attr);
    if (id === null || seen.has(id)) {
      id = String(state.next++);
      element.setAttribute(options.attr, id);
    }
    seen.add(id);
    const texts = [];
    for (const child of element.childNodes) {
      if (child.nodeType !== Node.TEXT_NODE) continue;
      let textId = state.text.get(child);
      if (textId === undefined) {
        textId = state.next++;
        state.text.set(child, textId);
      }
      texts.push(textId);
    }
    const joined = texts.join(" ");
    if (joined && element.getAttribute(options.textAttr) !== joined) {
      element.setAttribute(options.textAttr, joined);
    } else if (!joined && element.hasAttribute(options.textAttr)) {
      element.removeAttribute(options.textAttr);
    }
  };
  const walk = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      mark(node);
      if (node.shadowRoot) walk(node.shadowRoot);
    }
  };
  if (document.documentElement) {
    mark(document.documentElement);
    walk(document.documentElement);
  }
  return { fresh, next: state.next, scrollX: window.scrollX, scrollY: window.scrollY, title: document.title };
}
