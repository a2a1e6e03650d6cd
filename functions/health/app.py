"""GET /health: liveness, no API key needed."""

from schemashift import __version__
from schemashift.api.app import create_app, entrypoint

app = create_app(authenticated=False)


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "version": __version__}


lambda_handler = entrypoint(app)
