"""Stand-in sites for WebVoyager tests: small offline sites of the kinds WebVoyager visits.

One stdlib HTTP server; the site is chosen by the request's host (the browser resolves
``*.webvoyager.test`` to this server):

- ``recipes.webvoyager.test``: recipe search with diet and rating filters, a page per recipe;
- ``papers.webvoyager.test``: a paper listing with search, an abstract page per paper;
- ``dictionary.webvoyager.test``: look a word up, a page per entry;
- ``search.webvoyager.test``: a web search page (what the ``Google`` action opens in tests);
- ``captcha.webvoyager.test``: a "verify you are human" wall.

Every page text is escaped; the data is below, invented for the tests.
"""

from __future__ import annotations

from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

RECIPES = [
    {"slug": "zucchini-lasagna", "name": "Garden Zucchini Lasagna", "diet": "vegetarian", "rating": 4.7,
     "reviews": 312, "servings": 6, "prep": "35 mins", "calories": 410,
     "ingredients": ["lasagna noodles", "zucchini", "ricotta", "mozzarella", "tomato sauce", "fresh basil"]},
    {"slug": "spinach-lasagna", "name": "Spinach Ricotta Lasagna", "diet": "vegetarian", "rating": 4.2,
     "reviews": 88, "servings": 8, "prep": "40 mins", "calories": 520,
     "ingredients": ["lasagna noodles", "spinach", "ricotta", "parmesan", "marinara"]},
    {"slug": "beef-lasagna", "name": "Classic Beef Lasagna", "diet": "none", "rating": 4.8,
     "reviews": 1540, "servings": 12, "prep": "50 mins", "calories": 640,
     "ingredients": ["lasagna noodles", "ground beef", "ricotta", "mozzarella", "tomato sauce"]},
    {"slug": "black-bean-chili", "name": "Spicy Black Bean Chili", "diet": "vegan", "rating": 4.5,
     "reviews": 204, "servings": 4, "prep": "20 mins", "calories": 330,
     "ingredients": ["black beans", "onion", "chili powder", "cumin", "crushed tomatoes", "lime"]},
    {"slug": "banana-bread", "name": "Classic Banana Bread", "diet": "vegetarian", "rating": 4.9,
     "reviews": 2210, "servings": 10, "prep": "15 mins", "calories": 240,
     "ingredients": ["ripe bananas", "flour", "butter", "brown sugar", "eggs", "baking soda", "walnuts"]},
    {"slug": "almond-cake", "name": "Flourless Almond Cake", "diet": "gluten-free", "rating": 4.6,
     "reviews": 97, "servings": 8, "prep": "25 mins", "calories": 310,
     "ingredients": ["almond flour", "eggs", "sugar", "orange zest", "almond extract"]},
]  # fmt: skip
PAPERS = [
    {"id": "2401.00017", "title": "Lattice Agents for Web Navigation", "authors": "Ana Rivera, Bo Chen",
     "date": "3 Jan 2024", "subject": "cs.AI",
     "abstract": "We present lattice agents, which plan over a lattice of page states. On the WebShop "
                 "benchmark they complete 41% more tasks than a flat planner."},
    {"id": "2402.01123", "title": "Sparse Mixture Routing at Scale", "authors": "Chidi Okafor, Dana Levi",
     "date": "14 Feb 2024", "subject": "cs.LG",
     "abstract": "Sparse mixture routing sends each token to two of 64 experts. We train a 30B model and "
                 "match a dense model at a third of the compute."},
    {"id": "2403.04410", "title": "Quiet Gradients: Noise-Free Training of Web Agents", "authors": "Eve Park",
     "date": "7 Mar 2024", "subject": "cs.CL",
     "abstract": "Web agents trained with quiet gradients are evaluated on the Mind2Web dataset, where "
                 "they improve element accuracy by 6 points."},
    {"id": "2403.09981", "title": "Benchmarks for Live Web Agents", "authors": "Farid Haddad, Gil Moor",
     "date": "21 Mar 2024", "subject": "cs.AI",
     "abstract": "We survey benchmarks for web agents on live websites and find that CAPTCHAs block "
                 "12% of the episodes."},
]  # fmt: skip
WORDS = {
    "serendipity": {"pos": "noun", "ipa": "/ˌser.ənˈdɪp.ə.ti/",
                    "definition": "the fact of finding interesting or valuable things by chance",
                    "example": "We met by pure serendipity."},
    "ephemeral": {"pos": "adjective", "ipa": "/ɪˈfem.ər.əl/",
                  "definition": "lasting for only a short time",
                  "example": "Fame in the world of rock and pop is largely ephemeral."},
    "ubiquitous": {"pos": "adjective", "ipa": "/juːˈbɪk.wɪ.təs/",
                   "definition": "seeming to be everywhere",
                   "example": "Mobile phones are now ubiquitous."},
    "quixotic": {"pos": "adjective", "ipa": "/kwɪkˈsɒt.ɪk/",
                 "definition": "having ideas that are not practical",
                 "example": "His plans were noble but quixotic."},
    "laconic": {"pos": "adjective", "ipa": "/ləˈkɒn.ɪk/",
                "definition": "using very few words",
                "example": "She had a laconic sense of humour."},
    "verbose": {"pos": "adjective", "ipa": "/vɜːˈbəʊs/",
                "definition": "using or containing more words than are needed",
                "example": "His speech was verbose and dull."},
}  # fmt: skip
STYLE = (
    "body{font-family:sans-serif;margin:0}header{background:#264;color:#fff;padding:12px 20px}"
    "main{padding:16px 20px}input[type=text]{width:320px;padding:6px}button{padding:6px 12px}"
    "li{margin:6px 0}.meta{color:#555}.filters a{margin-right:12px}.tall{height:1400px}"
)


def page(title: str, body: str) -> str:
    """Return a whole HTML page (``title`` and ``body`` already escaped)."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def search_form(action: str, label: str, value: str = "") -> str:
    """Return a search form whose text box is named ``q`` and labelled ``label``."""
    return (
        f"<form action='{action}' method='get'><input type='text' name='q' aria-label='{escape(label)}' "
        f"value='{escape(value)}'> <button type='submit'>Search</button></form>"
    )


def recipes(path: str, query: dict[str, str]) -> tuple[int, str]:
    """Return the recipe site's page for ``path``."""
    head = "<header><h1>Recipe Box</h1></header>"
    if path == "/":
        return 200, page("Recipe Box", head + "<main>" + search_form("/search", "Search recipes") + "</main>")
    if path == "/search":
        q, diet, rating = query.get("q", ""), query.get("diet", ""), float(query.get("min_rating") or 0)
        words = q.lower().split()
        found = [
            r for r in RECIPES
            if all(w in (r["name"] + " " + r["diet"]).lower() or w == r["diet"] for w in words)
            and (not diet or r["diet"] == diet) and r["rating"] >= rating
        ]  # fmt: skip
        base = f"/search?q={quote(q)}"
        filters = (
            "<div class='filters'>Filter: "
            f"<a href='{base}&diet=vegetarian&min_rating={rating:g}'>Vegetarian</a>"
            f"<a href='{base}&diet=gluten-free&min_rating={rating:g}'>Gluten-free</a>"
            f"<a href='{base}&diet={quote(diet)}&min_rating=4.5'>4.5 stars and up</a></div>"
        )
        items = "".join(
            f"<li><a href='/recipe/{r['slug']}'>{escape(r['name'])}</a> "
            f"<span class='meta'>{r['rating']} stars, {r['reviews']} reviews</span></li>"
            for r in found
        )
        form = search_form("/search", "Search recipes", q)
        body = f"{form}{filters}<p>{len(found)} results</p><ul>{items}</ul>"
        return 200, page(f"{escape(q)} - Recipe Box", f"{head}<main>{body}</main>")
    if path.startswith("/recipe/"):
        recipe = next((r for r in RECIPES if r["slug"] == path.removeprefix("/recipe/")), None)
        if recipe is None:
            return 404, page("Not found", "<p>No such recipe.</p>")
        ingredients = "".join(f"<li>{escape(i)}</li>" for i in recipe["ingredients"])
        body = (
            f"<h2>{escape(recipe['name'])}</h2><p class='meta'>{recipe['rating']} stars from "
            f"{recipe['reviews']} reviews</p><p>Servings: {recipe['servings']}</p><p>Prep time: "
            f"{recipe['prep']}</p><p>Calories: {recipe['calories']} per serving</p>"
            f"<div class='tall'></div><h3>Ingredients</h3><ul>{ingredients}</ul>"
        )
        return 200, page(f"{escape(recipe['name'])} - Recipe Box", f"{head}<main>{body}</main>")
    return 404, page("Not found", "<p>Not found.</p>")


def papers(path: str, query: dict[str, str]) -> tuple[int, str]:
    """Return the paper listing's page for ``path``."""
    head = "<header><h1>PaperList</h1></header>"
    if path in ("/", "/list"):
        q = query.get("q", "")
        found = [
            p
            for p in PAPERS
            if all(w in (p["title"] + " " + p["abstract"]).lower() for w in q.lower().split())
        ]
        items = "".join(
            f"<li><a href='/abs/{p['id']}'>{escape(p['title'])}</a> <span class='meta'>"
            f"{escape(p['authors'])} ({p['subject']})</span></li>"
            for p in found
        )
        body = (
            f"{search_form('/list', 'Search papers', q)}<p>Showing {len(found)} results</p><ol>{items}</ol>"
        )
        return 200, page("PaperList", f"{head}<main>{body}</main>")
    if path.startswith("/abs/"):
        paper = next((p for p in PAPERS if p["id"] == path.removeprefix("/abs/")), None)
        if paper is None:
            return 404, page("Not found", "<p>No such paper.</p>")
        body = (
            f"<h2>{escape(paper['title'])}</h2><p>Authors: {escape(paper['authors'])}</p>"
            f"<p class='meta'>Submitted on {paper['date']}</p><blockquote>Abstract: "
            f"{escape(paper['abstract'])}</blockquote><a href='/' target='_blank'>Back to the list</a>"
        )
        return 200, page(f"[{paper['id']}] {escape(paper['title'])}", f"{head}<main>{body}</main>")
    return 404, page("Not found", "<p>Not found.</p>")


def dictionary(path: str, query: dict[str, str]) -> tuple[int, str]:
    """Return the dictionary's page for ``path`` (a search redirects to the entry)."""
    head = "<header><h1>Word Book</h1></header>"
    form = search_form("/search", "Search the dictionary")
    if path == "/":
        return 200, page("Word Book", f"{head}<main>{form}</main>")
    if path == "/search":
        return 302, "/define/" + quote(query.get("q", "").strip().lower())
    if path.startswith("/define/"):
        word = path.removeprefix("/define/")
        entry = WORDS.get(word)
        if entry is None:
            return 404, page(
                "Not found - Word Book", f"{head}<main>{form}<p>No entry for that word.</p></main>"
            )
        body = (
            f"{form}<h2>{escape(word)}</h2><p><i>{entry['pos']}</i> <span>{escape(entry['ipa'])}</span></p>"
            f"<p>{escape(entry['definition'])}</p><p class='meta'>Example: {escape(entry['example'])}</p>"
        )
        return 200, page(f"{escape(word)} - Word Book", f"{head}<main>{body}</main>")
    return 404, page("Not found", "<p>Not found.</p>")


#: The search page's index: (title, URL, snippet).
INDEX = [
    *((r["name"] + " - Recipe Box", f"http://recipes.webvoyager.test/recipe/{r['slug']}",
       f"{r['rating']} stars, {r['reviews']} reviews") for r in RECIPES),
    *((p["title"], f"http://papers.webvoyager.test/abs/{p['id']}", p["abstract"][:80]) for p in PAPERS),
    *((f"{w} meaning - Word Book", f"http://dictionary.webvoyager.test/define/{w}", e["definition"])
      for w, e in WORDS.items()),
]  # fmt: skip


def search(path: str, query: dict[str, str]) -> tuple[int, str]:
    """Return the search page (``/``) or its results (``/search?q=``)."""
    form = search_form("/search", "Search", query.get("q", ""))
    if path == "/":
        return 200, page("Search", f"<main><h1>Search</h1>{form}</main>")
    if path == "/search":
        words = query.get("q", "").lower().split()
        hits = [h for h in INDEX if words and all(w in (h[0] + " " + h[2]).lower() for w in words)]
        items = "".join(
            f"<li><a href='{escape(url)}'>{escape(title)}</a><div class='meta'>{escape(snippet)}</div></li>"
            for title, url, snippet in hits
        )
        return 200, page(f"{escape(query.get('q', ''))} - Search", f"<main>{form}<ul>{items}</ul></main>")
    return 404, page("Not found", "<p>Not found.</p>")


def captcha(path: str, query: dict[str, str]) -> tuple[int, str]:
    """Return the human-verification wall, whatever the path."""
    body = (
        "<main><h1>One more step</h1><p>Please verify you are human to continue.</p>"
        "<label><input type='checkbox'> I am not a robot</label></main>"
    )
    return 403, page("Just a moment...", body)


SITES = {"recipes": recipes, "papers": papers, "dictionary": dictionary, "search": search, "captcha": captcha}


class Handler(BaseHTTPRequestHandler):
    """Serves the site named by the first label of the Host header."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Answer a GET with the site's page (or a redirect)."""
        site = SITES.get((self.headers.get("Host") or "").split(".")[0])
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if site is None:
            status, text = 404, page("Unknown site", "<p>Unknown site.</p>")
        else:
            status, text = site(parts.path, query)
        if status == 302:
            self.send_response(302)
            self.send_header("Location", text)
            self.end_headers()
            return
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_server(address: tuple[str, int]) -> ThreadingHTTPServer:
    """Return the stand-in server bound to ``address`` (127.0.0.1 and a port; 0 lets the system pick)."""
    return ThreadingHTTPServer(address, Handler)
