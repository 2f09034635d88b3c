"""Built-in agents: random, oracle, scripted, llm."""
