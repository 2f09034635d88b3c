"""Plans that solve the ``webvoyager-mini`` tasks on the stand-in sites, as data for the ``scripted`` agent.

``PLANS`` maps a task id to its steps. A step is a WebVoyager action whose element is named, not
numbered: the element of the current observation whose text, or else ARIA label, is exactly
``target``. The agent writes each step as a whole reply in WebVoyager's dialect
(``Thought: ...`` then ``Action: Click [5]``), so a run exercises the native parser.

- ``click``, ``type`` (``text``), ``scroll`` (``target`` ``WINDOW`` or an element, ``text`` the
  direction), ``wait``, ``goback``, ``google``, ``answer`` (``text``).
"""

from __future__ import annotations

from typing import NamedTuple


class Step(NamedTuple):
    """One step: a WebVoyager action, the element it targets (by text or ARIA label), its text."""

    action: str
    target: str | None = None
    text: str = ""


def _search(box: str, query: str, *clicks: str) -> list[Step]:
    return [Step("type", box, query), *(Step("click", label) for label in clicks)]


_RECIPES, _PAPERS, _WORDS, _WEB = "Search recipes", "Search papers", "Search the dictionary", "Search"

PLANS: dict[str, list[Step]] = {
    "Recipes--0": [
        *_search(_RECIPES, "lasagna", "Vegetarian", "4.5 stars and up", "Garden Zucchini Lasagna"),
        Step("answer", text="312 reviews"),
    ],
    "Recipes--1": [*_search(_RECIPES, "chili", "Spicy Black Bean Chili"), Step("answer", text="20 mins")],
    "Recipes--2": [
        *_search(_RECIPES, "banana bread", "Classic Banana Bread"),
        Step("answer", text="10 servings"),
    ],
    "Recipes--3": [
        *_search(_RECIPES, "cake", "Gluten-free", "Flourless Almond Cake"),
        Step("answer", text="Flourless Almond Cake, 4.6 stars"),
    ],
    "Recipes--4": [
        *_search(_RECIPES, "zucchini", "Garden Zucchini Lasagna"),
        Step("answer", text="410 calories"),
    ],
    "Recipes--5": [
        *_search(_RECIPES, "banana", "Classic Banana Bread"),
        *(Step("scroll", "WINDOW", "down") for _ in range(3)),
        Step("answer", text="walnuts"),
    ],
    "Recipes--6": [
        *_search(_RECIPES, "classic", "Classic Banana Bread"),
        Step("goback"),
        Step("click", "Classic Beef Lasagna"),
        Step("answer", text="1540 reviews"),
    ],
    "Recipes--7": [Step("wait"), Step("answer", text="Recipe Box")],
    "PaperList--0": [
        Step("click", "Lattice Agents for Web Navigation"),
        Step("answer", text="Ana Rivera, Bo Chen"),
    ],
    "PaperList--1": [
        *_search(_PAPERS, "sparse", "Sparse Mixture Routing at Scale"),
        Step("answer", text="14 Feb 2024"),
    ],
    "PaperList--2": [*_search(_PAPERS, "web agents"), Step("answer", text="3 results")],
    "PaperList--3": [
        Step("click", "Quiet Gradients: Noise-Free Training of Web Agents"),
        Step("answer", text="Mind2Web"),
    ],
    "PaperList--4": [Step("click", "Benchmarks for Live Web Agents"), Step("answer", text="12%")],
    "Word Book--0": [*_search(_WORDS, "serendipity"), Step("answer", text="noun")],
    "Word Book--1": [*_search(_WORDS, "ephemeral"), Step("answer", text="/ɪˈfem.ər.əl/")],
    "Word Book--2": [
        *_search(_WORDS, "ubiquitous"),
        Step("answer", text="Mobile phones are now ubiquitous."),
    ],
    "Word Book--3": [
        *_search(_WORDS, "quixotic"),
        Step("answer", text="having ideas that are not practical"),
    ],
    "Word Book--4": [
        *_search(_WORDS, "laconic"),
        *_search(_WORDS, "verbose"),
        Step("answer", text="using or containing more words than are needed"),
    ],
    "Search--0": [
        Step("google"),
        *_search(_WEB, "banana bread", "Classic Banana Bread - Recipe Box"),
        Step("answer", text="4.9 stars"),
    ],
    "Search--1": [*_search(_WEB, "laconic", "laconic meaning - Word Book"), Step("answer", text="adjective")],
    "Search--2": [
        *_search(_WEB, "lattice agents", "Lattice Agents for Web Navigation"),
        Step("answer", text="3 Jan 2024"),
    ],
}
