"""Agent specs (--agent) and arguments (--agent-arg): every way they can go wrong."""

from __future__ import annotations

import pytest

from webbench.core.agent import AgentSpecError, load_agent_class, make_agent, parse_agent_args


def test_agent_args_are_json_when_they_parse() -> None:
    args = parse_agent_args(["n=3", "t=0.5", "flag=true", "name=gpt-4o", 'obj={"a": [1]}', 's="x"', "empty="])
    assert args == {
        "n": 3,
        "t": 0.5,
        "flag": True,
        "name": "gpt-4o",
        "obj": {"a": [1]},
        "s": "x",
        "empty": "",
    }


@pytest.mark.parametrize("pair", ["novalue", "=3", "bad key=1", "1x=2"])
def test_bad_agent_arg(pair: str) -> None:
    with pytest.raises(AgentSpecError, match="expected key=value"):
        parse_agent_args([pair])


def test_builtin_short_names() -> None:
    assert load_agent_class("random").__name__ == "RandomAgent"
    assert load_agent_class("scripted").__name__ == "ScriptedAgent"
    assert load_agent_class("oracle").__name__ == "OracleAgent"


def test_module_and_file_specs(tmp_path) -> None:
    assert load_agent_class("webbench.agents.random_agent:RandomAgent").__name__ == "RandomAgent"
    path = tmp_path / "mine.py"
    path.write_text(
        "class Agent:\n    def __init__(self, k=1):\n        self.k = k\n    def act(self, obs):\n        return 'noop()'\n"
    )
    agent = make_agent(f"{path}:Agent", {"k": 7})
    assert agent.k == 7 and agent.act(None) == "noop()"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "expected module:Class"),
        ("no_such_module_xyz:Agent", "no module 'no_such_module_xyz'"),
        ("webbench.agents.random_agent:Nope", "has no 'Nope'"),
        ("missing/file.py:Agent", "no file missing/file.py"),
        ("webbench.agents.random_agent:TEXT_INPUT_TAGS", "is not a class"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(AgentSpecError, match=message):
        load_agent_class(spec)


def test_file_that_fails_to_import(tmp_path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import not_a_real_module_q\n")
    with pytest.raises(AgentSpecError, match="importing it failed: ModuleNotFoundError"):
        load_agent_class(f"{path}:Agent")


def test_class_without_act(tmp_path) -> None:
    path = tmp_path / "noact.py"
    path.write_text("class Agent:\n    pass\n")
    with pytest.raises(AgentSpecError, match="no act"):
        load_agent_class(f"{path}:Agent")


def test_unknown_constructor_argument() -> None:
    with pytest.raises(AgentSpecError, match="bad --agent-arg"):
        make_agent("random", {"temperature": 1})
