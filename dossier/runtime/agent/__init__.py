"""The Agent-SDK orchestrator: Claude drives an iteration through Dossier's tools.

Three parts, each replaceable on its own (docs/agent.md):

* :mod:`.tools` — the tenant-confined tool set (list/read sources, search/get
  concepts, propose/link/amend/deprecate concepts, finish), plain Python bound to
  one tenant, and :mod:`.sdk_server`, which serves it in-process as an SDK MCP server;
* :mod:`.driver` — runs one Claude Agent SDK session with only those tools and
  collects what the agent proposed, the session id and why it stopped;
* :mod:`.orchestrator` — ``AgentOrchestrator``, registered as ``agent``: the
  default loop's iteration (lock, ingest, merge, validation, eval gate, one commit
  with trailers, run record) with the agent's session as an extra stage after the
  merge.

Nothing here imports ``claude_agent_sdk`` at import time: the extra is optional and
its absence is reported as a clear error before any work starts.
"""
