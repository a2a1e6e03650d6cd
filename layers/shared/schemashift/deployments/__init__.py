"""Deployments: apply and roll back changesets on instances through Step Functions.

An *execution* (one apply, rollback or fleet apply) is an item in the executions table that the
state machine's task Lambdas advance; its status, progress and per-changeset results are what
``GET .../executions/{executionId}`` returns.
"""
