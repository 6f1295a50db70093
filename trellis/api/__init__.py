"""The JSON API under /api/v1/: personal access tokens, OpenAPI, flat CSV downloads."""
