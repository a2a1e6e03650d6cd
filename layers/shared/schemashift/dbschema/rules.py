"""Field rules the dbschema requests, responses and other domains share: identifiers, deployment
statuses, contexts/labels expressions. Kept apart from the request models so that a route which
only answers (or a policy, a deployment) does not build every dbschema request model at import."""

from __future__ import annotations

from typing import Literal

from schemashift.errors import ValidationFailed

IDENTIFIER_PATTERN = r"^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$"
Status = Literal["Not_Deployed", "Successfully_Deployed", "Deployment_Failed", "Rolled_Back"]
STATUSES: tuple[str, ...] = ("Not_Deployed", "Successfully_Deployed", "Deployment_Failed", "Rolled_Back")


def checked_expression(value: str | None) -> str | None:
    """Field validator of a contexts/labels expression (instances, apply and rollback requests)."""
    # Imported here: the changelog package (its model, accessors, preconditions) is not needed to
    # load a route, only to check an expression a request carries.
    from schemashift.changelog.expressions import check_expression

    try:
        return check_expression(value)
    except ValidationFailed as exc:
        raise ValueError(exc.message) from None
