"""HTTP routes over the releases held side by side: list them, choose the live one (docs/releases.md)."""
from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify

from entrypoints.admin_token import admin_only
from entrypoints.containers import Container
from entrypoints.operation import json_answer, operation, problem_answer
from entrypoints.request_body import json_object_body
from entrypoints.schemas.releases import LiveReleaseSchema, ReleaseSchema
from genes.gene_service import GeneService
from genes.ports import ReleaseRegistry

blueprint = Blueprint("releases", __name__)

_releases = ReleaseSchema(many=True)
_live_body = LiveReleaseSchema()
MAX_LIVE_BODY_BYTES = 1024


@blueprint.get("/releases")
@operation("releases", reads_store=True,
           responses={200: json_answer("the held releases, newest first; none when nothing is loaded",
                                       {"type": "array", "items": ReleaseSchema})})
@inject
def list_releases(registry: ReleaseRegistry = Provide[Container.release_registry]) -> Response:
    """The HGNC releases held side by side, newest first: date, gene count, when and whence loaded, which is live."""
    return jsonify(_releases.dump(registry.held()))


@blueprint.put("/releases/live")
@operation("releases", description="The gene routes answer the live release when no `?release=` is given. "
                                   "`{\"release\": null}` goes back to the default: the newest held release is "
                                   "live, and each load of a newer one makes it live.",
           json_body=LiveReleaseSchema, reads_store=True,
           responses={200: json_answer("the held releases, newest first, the chosen one live",
                                       {"type": "array", "items": ReleaseSchema}),
                      400: problem_answer("not a release, or one not held (`held` lists those that are)")})
@admin_only
@inject
def choose_live_release(service: GeneService = Provide[Container.gene_service],
                        registry: ReleaseRegistry = Provide[Container.release_registry]) -> Response:
    """Choose the live release: {"release": "YYYY-MM-DD"}, or {"release": null} for the newest."""
    body = _live_body.load(json_object_body("the release to make live", MAX_LIVE_BODY_BYTES))
    service.choose_live(body["release"])
    return jsonify(_releases.dump(registry.held()))
