"""The API edge: the Powertools resolver, callers, scopes, error envelopes, response models.

Importing this package defers what Powertools imports for event sources we do not serve
(``schemashift.lazy_imports``): the ``event_handler`` package's ``__init__`` imports every resolver
(AppSync, and with it asyncio, Bedrock, VPC Lattice, ...) and ``utilities.data_classes`` every
event class, for a REST resolver that needs a handful. Deferred, a handler imports only the
submodules it uses; any other name still loads in full on first use. Powertools' logger imports
``jmespath_utils`` (and jmespath) for correlation-id paths; ``api.app.entrypoint`` sets the request
id itself, so API handlers never load it (the idempotency utility, on first use, does).
"""

from schemashift.lazy_imports import defer_import, defer_package

defer_import("asyncio")
defer_import("aws_lambda_powertools.utilities.jmespath_utils")  # before Powertools' logger imports it
defer_package("aws_lambda_powertools.event_handler")
defer_package("aws_lambda_powertools.event_handler.openapi")
defer_package("aws_lambda_powertools.utilities.data_classes")
