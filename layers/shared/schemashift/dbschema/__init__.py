"""dbschema"""
