"""Jobs: every long-running piece of work (deployments, fleet deployments, table migrations,
maintenance) is one job record, presented by each API in its own vocabulary (``views``)."""
