"""Database schemas, their instances and changelogs, and per-changeset deployment state."""
