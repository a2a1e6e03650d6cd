"""API keys: hashed storage, scopes, and the Lambda authorizer's decision."""
