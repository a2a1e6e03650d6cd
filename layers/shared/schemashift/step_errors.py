"""What a Step Functions ``Catch`` hands the next state, turned into the ``{code, message}`` callers see."""

from __future__ import annotations

import json
from typing import Any

from schemashift.redaction import redact, truncate


def describe_step_error(error: dict[str, Any], default_code: str = "StepFailed") -> dict[str, str]:
    """``{Error, Cause}`` -> ``{code, message}``; a Lambda's own ``errorMessage`` wins over the raw cause."""
    code = str(error.get("Error") or default_code)
    message = str(error.get("Cause") or code)
    try:
        cause = json.loads(message)
        message = cause.get("errorMessage") or message
    except (json.JSONDecodeError, TypeError, AttributeError):
        pass
    return {"code": code[:200], "message": redact(truncate(str(message), 4000))}
