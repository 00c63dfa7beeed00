"""The JSON API (API.md): views, the bearer-token check, body parsing, representations and
the OpenAPI document."""
