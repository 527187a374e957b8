"""The API's version: in its OpenAPI document, in `GET /info` and in every ETag."""

API_VERSION = "1.0.0"
