/* webbench report: sortable tables, filters, and the episode pages (rendered from the embedded JSON).
   Data is only ever placed with textContent / attributes, never parsed as HTML. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("webbench-data").textContent);
  var EPISODES = DATA.episodes;

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-v");
    return value === null ? cell.textContent.trim() : value;
  }

  function compare(a, b) {
    if (a === "" && b === "") return 0;
    if (a === "") return 1;
    if (b === "") return -1;
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b, undefined, { numeric: true });
  }

  function sortTable(table, index, th) {
    var body = table.tBodies[0];
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = cellValue(r1, index), b = cellValue(r2, index);
      if (a === "" || b === "") return compare(a, b);
      return ascending ? compare(a, b) : compare(b, a);
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (r) { fragment.appendChild(r); });
    body.appendChild(fragment);
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortTable(table, index, th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortTable(table, index, th); });
    });
  });

  document.querySelectorAll(".filters").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    var text = box.querySelector(".text-filter"), kind = box.querySelector(".kind-filter");
    var count = box.querySelector(".count");
    function apply() {
      var needle = text.value.trim().toLowerCase(), want = kind.value, shown = 0;
      var rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var kinds = (row.getAttribute("data-kind") || "").split(" ");
        var haystack = row.getAttribute("data-text") || row.textContent.toLowerCase();
        var ok = (!needle || haystack.indexOf(needle) >= 0) &&
                 (!want || kinds.indexOf(want) >= 0);
        row.style.display = ok ? "" : "none";
        if (ok) shown++;
      }
      count.textContent = shown + " of " + rows.length + " shown";
    }
    text.addEventListener("input", apply);
    kind.addEventListener("change", apply);
    apply();
  });

  /* ---- episode pages ---- */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function text(value) { return value === undefined || value === null ? "" : String(value); }
  function fixed(value, digits) { return typeof value === "number" ? value.toFixed(digits) : text(value); }
  function kvTable(pairs) {
    var body = el("tbody");
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") return;
      var value = typeof p[1] === "object" ? JSON.stringify(p[1]) : text(p[1]);
      body.appendChild(el("tr", {}, [el("th", { text: p[0] }), el("td", {}, [p[2] ? el("pre", { text: value }) : document.createTextNode(value)])]));
    });
    return el("table", { "class": "kv" }, [body]);
  }
  function usageText(u) {
    if (!u) return "";
    var s = text(u.input_tokens || 0) + " in / " + text(u.output_tokens || 0) + " out";
    if (u.cost_usd !== undefined) s += u.cost_usd === null ? ", cost unknown" : ", $" + Number(u.cost_usd).toFixed(4);
    return s;
  }
  function isSafeLink(href) { return typeof href === "string" && !/^\s*(javascript|vbscript|data:text)/i.test(href); }

  /* [action, error, agent_s, env_s, url, usage, trace, screenshot, box, size, reply, skipped];
     the url is given only when it changed, so it is carried forward here */
  var lastUrl = "";
  function readStep(row, i) {
    if (i === 0) lastUrl = "";
    var s = { action: row[0], error: row[1], agent_s: row[2], env_s: row[3], changed: !!row[4], trace: row[6],
              shot: row[7], box: row[8], size: row[9], reply: row[10], skipped: row[11] };
    if (row[4]) lastUrl = row[4];
    s.url = lastUrl;
    s.usage = row[5] ? { input_tokens: row[5][0], output_tokens: row[5][1], cost_usd: row[5][2] } : null;
    return s;
  }

  function evaluatorTable(entries) {
    var keys = [];
    entries.forEach(function (e) { Object.keys(e).forEach(function (k) { if (k !== "name" && k !== "score" && keys.indexOf(k) < 0) keys.push(k); }); });
    var head = el("tr", {}, ["evaluator", "score"].concat(keys).map(function (h) { return el("th", { text: h }); }));
    var body = el("tbody");
    entries.forEach(function (e) {
      var passed = typeof e.score === "number" ? e.score >= 1 : (typeof e.score === "boolean" ? e.score : null);
      var cells = [el("td", { text: text(e.name) }),
                   el("td", { "class": passed === null ? "" : (passed ? "verdict-pass" : "verdict-fail"), text: e.score === undefined ? "" : text(e.score) + (passed === null ? "" : (passed ? " pass" : " fail")) })];
      keys.forEach(function (k) { cells.push(el("td", {}, e[k] === undefined ? [] : [el("pre", { text: text(e[k]) })])); });
      body.appendChild(el("tr", { "class": passed === false ? "failing" : "" }, cells));
    });
    return el("div", { "class": "evaluators" }, [el("h3", { text: "Why it passed or failed: the evaluators" }), el("table", { "class": "steps" }, [el("thead", {}, [head]), body])]);
  }

  function artifactList(items) {
    var list = el("ul", { "class": "artifacts" });
    items.forEach(function (a) {
      var link = isSafeLink(a[1]) ? el("a", { href: a[1], text: a[0] }) : document.createTextNode(a[0]);
      list.appendChild(el("li", {}, [link, a[2] ? el("span", { "class": "caption" }, [document.createTextNode(" open it with (from the report's folder): "), el("code", { text: a[2] })]) : null]));
    });
    return el("div", {}, [el("h3", { text: "Episode files (Playwright trace, HAR)" }), list]);
  }

  /* the filmstrip: one frame per step, the targeted element outlined; left / right arrows move */
  var film = null;
  function placeBox(box, size, frame, note) {
    var outline = frame.querySelector(".film-box"), img = frame.querySelector("img");
    if (!outline || !img) return;
    outline.hidden = true;
    if (!box) return;
    function put(w, h) {
      if (!w || !h) return;
      if (box[0] >= w || box[1] >= h || box[0] + box[2] <= 0 || box[1] + box[3] <= 0) {
        note.textContent = "The targeted element is outside this screenshot (at x " + Math.round(box[0]) + ", y " +
          Math.round(box[1]) + " of it): the browser scrolls it into view to act.";
        note.hidden = false;
        return;
      }
      outline.style.left = (100 * box[0] / w) + "%"; outline.style.top = (100 * box[1] / h) + "%";
      outline.style.width = (100 * box[2] / w) + "%"; outline.style.height = (100 * box[3] / h) + "%";
      outline.hidden = false;
    }
    if (size) put(size[0], size[1]);
    else if (img.complete && img.naturalWidth) put(img.naturalWidth, img.naturalHeight);
    else img.addEventListener("load", function () { put(img.naturalWidth, img.naturalHeight); });
  }
  function showFrame(i) {
    if (!film || i < 0 || i >= film.steps.length) return;
    film.at = i;
    var s = film.steps[i], view = film.view;
    view.textContent = "";
    var frame = el("div", { "class": "film-frame" });
    if (s.shot && isSafeLink(s.shot)) {
      frame.appendChild(el("img", { src: s.shot, alt: "screenshot the agent saw at step " + i, "class": "film-img" }));
      frame.appendChild(el("div", { "class": "film-box", title: "the element the action targets" }));
    } else {
      frame.appendChild(el("p", { "class": "film-none", text: s.skipped ? "no screenshot kept (" + s.skipped + ")" : "no screenshot for this step" }));
    }
    view.appendChild(frame);
    var note = el("p", { "class": "note film-offscreen", hidden: "" });
    placeBox(s.box, s.size, frame, note);
    view.appendChild(el("div", { "class": "film-info" }, [
      el("p", { "class": "film-pos", text: "step " + i + " of " + film.steps.length + " (← → to move)" }), note,
      kvTable([["action", s.action, true], ["page", s.url], ["error", s.error, true],
               ["agent / env (s)", fixed(s.agent_s, 3) + " / " + fixed(s.env_s, 3)], ["LLM usage", usageText(s.usage)],
               ["LLM reply", s.reply, true]])
    ]));
    film.thumbs.forEach(function (t, k) { t.setAttribute("aria-selected", k === i ? "true" : "false"); });
    film.thumbs[i].scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  function filmstrip(steps) {
    var strip = el("div", { "class": "film-strip", role: "tablist", "aria-label": "steps" });
    var view = el("div", { "class": "film-view" });
    var thumbs = steps.map(function (s, i) {
      var inner = s.shot && isSafeLink(s.shot) ? el("img", { src: s.shot, alt: "step " + i, loading: "lazy" }) : el("span", { "class": "film-none", text: "–" });
      var button = el("button", { type: "button", role: "tab", "class": "film-thumb" + (s.error ? " has-error" : "") }, [inner, el("span", { text: String(i) })]);
      button.addEventListener("click", function () { showFrame(i); });
      strip.appendChild(button);
      return button;
    });
    film = { steps: steps, view: view, thumbs: thumbs, at: 0 };
    var section = el("section", { "class": "film" }, [el("h3", { text: "Filmstrip: what the agent saw at each step" }), strip, view]);
    return section;
  }
  document.addEventListener("keydown", function (e) {
    if (!film || document.getElementById("episode-view").hidden) return;
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight") { e.preventDefault(); showFrame(film.at + 1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); showFrame(film.at - 1); }
  });

  function siblings(ep) {
    var list = [];
    EPISODES.forEach(function (e, i) { if (e.task === ep.task && e.agent === ep.agent && e.suite === ep.suite) list.push(i); });
    return list;
  }

  function renderEpisode(index) {
    var ep = EPISODES[index];
    var root = document.getElementById("episode");
    root.textContent = "";
    film = null;
    if (!ep) { root.appendChild(el("p", { text: "No episode " + index + " in this report." })); return; }
    var verdict = ep.success ? "solved" : (ep.status === "ok" ? "failed" : ep.status);
    root.appendChild(el("h2", {}, [
      document.createTextNode(ep.task + " · " + ep.agent + " · episode " + ep.episode + " "),
      el("span", { "class": "st st-" + (ep.success ? "pass" : ep.status === "ok" ? "fail" : "err"), text: verdict })
    ]));
    if (ep.goal) root.appendChild(el("div", { "class": "goal", text: ep.goal }));
    var cards = el("div", { "class": "cards" });
    root.appendChild(cards);
    function card(title, table) { cards.appendChild(el("div", {}, [el("h3", { text: title }), table])); }
    card("Outcome", kvTable([
      ["suite", ep.suite], ["run", ep.run], ["seed", ep.seed], ["status", ep.status],
      ["success", ep.success ? "yes" : "no"], ["score", ep.score], ["steps", ep.steps_n],
      ["time (s)", fixed(ep.duration_s, 2)], ["ended because", ep.end_reason],
      ["LLM usage", usageText(ep.usage)]
    ]));
    var metrics = ep.metrics || {};
    if (Object.keys(metrics).length) {
      card("Scores", kvTable(Object.keys(metrics).map(function (k) { return [k, metrics[k]]; })));
    }
    var details = ep.details || {};
    if (Object.keys(details).length) {
      card("Evaluator details and judge verdicts", kvTable(Object.keys(details).map(function (k) { return [k, details[k], true]; })));
    }
    if (ep.answer !== undefined || ep.error) {
      root.appendChild(el("h3", { text: ep.error ? "Answer and error" : "Answer" }));
      root.appendChild(kvTable([["answer", ep.answer, true], ["error", ep.error, true]]));
    }
    if (ep.traceback) {
      root.appendChild(el("h3", { text: "Traceback" }));
      root.appendChild(el("pre", { text: ep.traceback }));
    }
    var evaluators = ep.evaluators || [];
    if (evaluators.length) root.appendChild(evaluatorTable(evaluators));
    var artifacts = ep.artifacts || [];
    if (artifacts.length) root.appendChild(artifactList(artifacts));
    var steps = (ep.steps || []).map(readStep);
    if (steps.length) { root.appendChild(filmstrip(steps)); showFrame(0); }
    root.appendChild(el("h3", { text: "Steps" }));
    if (!steps.length) root.appendChild(el("p", { "class": "caption", text: "No step was recorded (or the trajectory file is not available)." }));
    else {
      var body = el("tbody");
      steps.forEach(function (s, i) {
        var trace = s.trace ? el("details", {}, [el("summary", { text: "agent output" }), el("pre", { text: JSON.stringify(s.trace, null, 1) })]) : null;
        var row = el("tr", { "data-step": String(i) }, [
          el("td", { "class": "num" }, [el("a", { href: "#ep-" + index, "class": "to-frame", text: String(i), title: "show this step in the filmstrip" })]),
          el("td", { "class": "action" }, [document.createTextNode(text(s.action)), s.changed ? el("div", { "class": "caption", text: "page: " + s.url }) : null, trace]),
          el("td", { "class": "err", text: text(s.error) }),
          el("td", { "class": "num", text: fixed(s.agent_s, 3) + " / " + fixed(s.env_s, 3) }),
          el("td", { text: usageText(s.usage) })
        ]);
        row.querySelector("a.to-frame").addEventListener("click", function (e) { e.preventDefault(); showFrame(i); film.view.scrollIntoView({ block: "nearest" }); });
        body.appendChild(row);
      });
      var head = el("thead", {}, [el("tr", {}, ["#", "action", "error", "agent / env (s)", "LLM usage"].map(function (h) { return el("th", { text: h }); }))]);
      root.appendChild(el("table", { "class": "steps" }, [head, body]));
    }
    if (ep.trajectory && isSafeLink(ep.trajectory)) {
      root.appendChild(el("p", {}, [el("a", { href: ep.trajectory, text: "raw trajectory file (JSON)" })]));
    }
    var same = siblings(ep), at = same.indexOf(index);
    var prev = document.getElementById("prev-ep"), next = document.getElementById("next-ep");
    prev.hidden = at <= 0; next.hidden = at < 0 || at >= same.length - 1;
    if (at > 0) prev.setAttribute("href", "#ep-" + same[at - 1]);
    if (at >= 0 && at < same.length - 1) next.setAttribute("href", "#ep-" + same[at + 1]);
  }

  var lastPlace = "", savedScroll = 0, inEpisode = false;
  function route() {
    var match = /^#ep-(\d+)$/.exec(location.hash);
    if (match && !inEpisode) savedScroll = window.scrollY;
    document.getElementById("report").hidden = !!match;
    document.getElementById("episode-view").hidden = !match;
    if (match) {
      document.getElementById("back").setAttribute("href", lastPlace || "#episodes");
      renderEpisode(Number(match[1]));
      window.scrollTo(0, 0);
    } else if (inEpisode && location.hash === lastPlace) {
      window.scrollTo(0, savedScroll);
    } else if (location.hash) {
      var target = document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
    if (!match) lastPlace = location.hash;
    inEpisode = !!match;
  }
  window.addEventListener("hashchange", route);
  route();
})();
