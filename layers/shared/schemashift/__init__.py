"""schemashift: serverless schema migrations for SQL databases and Lance tables."""

__version__ = "0.1.0"
