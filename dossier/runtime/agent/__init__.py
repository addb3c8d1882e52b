"""The Agent-SDK orchestrator: Claude drives an iteration through Dossier's tools.

Its parts, each replaceable on its own (docs/claude.md, part 2):

* :mod:`.tools` — the tenant-confined tool set (list/read sources, search/get
  concepts, propose/link/amend/deprecate concepts, finish), plain Python bound to
  one tenant, and :mod:`.sdk_server`, which serves it in-process as an SDK MCP server;
* :mod:`.driver` — runs one Claude Agent SDK session with only those tools and
  collects what the agent proposed, the session id and why it stopped;
* :mod:`.staging` — the session's view of the bundle (a copy in the tenant cache
  with this iteration's extraction over it) and the writer that validates into it;
* :mod:`.orchestrator` — ``AgentOrchestrator``, registered as ``agent``: it proposes
  the default extraction plus what the session wrote; the loop harness lands it
  (lock, merge, validation, eval gate, one commit with trailers, run record).

Nothing here imports ``claude_agent_sdk`` at import time: the extra is optional and
its absence is reported as a clear error before any work starts.
"""
