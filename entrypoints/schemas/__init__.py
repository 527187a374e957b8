"""Marshmallow schemas, one module per resource: what its routes take and what they answer."""
