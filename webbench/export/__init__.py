"""Training data from runs (``webbench export``): one module per job.

* :mod:`~webbench.export.episodes` reads run folders through the run store into
  :class:`~webbench.export.episodes.ExportEpisode` (the one place that reads record fields);
* :mod:`~webbench.export.chat` turns an episode into a ReAct chat conversation (pure);
* :mod:`~webbench.export.filters` keeps or drops episodes (``--filter``, pure);
* :mod:`~webbench.export.sampling` picks rejection-sampling episodes and preference pairs (pure);
* :mod:`~webbench.export.judging` re-judges answers with an LLM judge (``--judge-model``).
"""
