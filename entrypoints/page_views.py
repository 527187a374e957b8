"""The pages for people: the console at `/` and the interactive API docs (Swagger UI) at `/docs`.

Both are HTML with a little JavaScript that calls the JSON API. Their templates and scripts are the
app's own `templates/` and `static/` beside this module; Swagger UI's files come from the PyPI
package swagger-ui-bundle-v2. Nothing is loaded from anywhere else, and the pages' policy says so.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from entrypoints.operation import html_answer, operation

# Scripts, styles, images and API calls from this service only; no inline script, no frames.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Swagger UI's icons are data: SVGs inside its stylesheet
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",  # the forms are sent by script, never by the browser
    "frame-ancestors 'none'",
))
# The files of Swagger UI's distribution that /docs loads; its demo index.html (which points at an
# online example), its icons and the source maps are not served.
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js"})

blueprint = Blueprint("pages", __name__)
# Its one route is named `static`: it serves files, not an API operation (openapi.py leaves it out).
swagger_ui = Blueprint("swagger_ui", __name__, url_prefix="/docs/swagger-ui")


@blueprint.get("/")
@operation("pages", responses={200: html_answer("the console, an HTML page")})
def console() -> Response:
    """The console, a page for people: look up genes, submit jobs, watch them, see their results."""
    return _page("console.html")


@blueprint.get("/docs")
@operation("pages", responses={200: html_answer("Swagger UI, an HTML page")})
def docs() -> Response:
    """The interactive API documentation: this OpenAPI document in Swagger UI, with "Try it out"."""
    return _page("docs.html")


@swagger_ui.get("/<name>", endpoint="static")
def swagger_ui_file(name: str) -> Response:
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(swagger_ui_path, name)


def _page(template: str) -> Response:
    response = make_response(render_template(template))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
