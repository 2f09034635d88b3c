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

  function siblings(ep) {
    var list = [];
    EPISODES.forEach(function (e, i) { if (e.task === ep.task && e.agent === ep.agent && e.suite === ep.suite) list.push(i); });
    return list;
  }

  function renderEpisode(index) {
    var ep = EPISODES[index];
    var root = document.getElementById("episode");
    root.textContent = "";
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
    root.appendChild(el("h3", { text: "Steps" }));
    var steps = ep.steps || [];
    if (!steps.length) root.appendChild(el("p", { "class": "caption", text: "No step was recorded (or the trajectory file is not available)." }));
    else {
      var body = el("tbody");
      steps.forEach(function (row, i) {
        /* [action, error, agent_s, env_s, url, usage, trace, screenshot] */
        var s = { action: row[0], error: row[1], agent_s: row[2], env_s: row[3], url: row[4], trace: row[6], shot: row[7] };
        s.usage = row[5] ? { input_tokens: row[5][0], output_tokens: row[5][1], cost_usd: row[5][2] } : null;
        var shot = null;
        if (s.shot && isSafeLink(s.shot)) {
          shot = el("a", { href: s.shot, target: "_blank", rel: "noopener" }, [el("img", { src: s.shot, alt: "screenshot before step " + i, loading: "lazy" })]);
        }
        var trace = s.trace ? el("details", {}, [el("summary", { text: "agent output" }), el("pre", { text: JSON.stringify(s.trace, null, 1) })]) : null;
        body.appendChild(el("tr", {}, [
          el("td", { "class": "num", text: String(i) }),
          el("td", { "class": "action" }, [document.createTextNode(text(s.action)), s.url ? el("div", { "class": "caption", text: "page: " + s.url }) : null, trace]),
          el("td", { "class": "err", text: text(s.error) }),
          el("td", { "class": "num", text: fixed(s.agent_s, 3) + " / " + fixed(s.env_s, 3) }),
          el("td", { text: usageText(s.usage) }),
          el("td", {}, [shot])
        ]));
      });
      var head = el("thead", {}, [el("tr", {}, ["#", "action", "error", "agent / env (s)", "LLM usage", "screenshot (before the action)"].map(function (h) { return el("th", { text: h }); }))]);
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
