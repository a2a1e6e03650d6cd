"""DynamoDB access helpers shared by the domains (queries, batches, conditional writes)."""
