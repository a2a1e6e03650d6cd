"""The API edge: the Powertools resolver, callers, scopes, error envelopes, response models.

Importing this package defers ``asyncio`` (``schemashift.lazy_imports``): Powertools' event
handler package imports its AppSync resolvers, and with them asyncio (~20% of a handler's import),
for every resolver; the REST resolver our handlers use never touches it.
"""

from schemashift.lazy_imports import defer_import

defer_import("asyncio")
