"""A mirror of HGNC's REST service under /rest/: info, fetch and search in its own shape, XML or JSON."""
from __future__ import annotations

import time
from typing import Any, Mapping
from xml.sax.saxutils import escape, quoteattr

import orjson
from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from entrypoints.containers import Container
from entrypoints.operation import operation, path_parameter, problem_answer
from entrypoints.schemas.releases import RELEASE_QUERY_PARAMETER, asked_release
from genes.hgnc_search import DATE_FIELDS, SEARCHABLE_FIELDS, Found, elapsed_ms, hgnc_doc
from genes.ports import ReleaseReads

XML, JSON = "application/xml", "application/json"

blueprint = Blueprint("rest", __name__, url_prefix="/rest")
TAG = "HGNC REST mirror"


def _xml_or_json(description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        XML: {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}}


class RestTextConverter(PathConverter):
    """Any text, slashes and line breaks included (Werkzeug's `path` stops at a line break: a 404)."""

    regex = r"[^/][\s\S]*?"


@blueprint.record_once
def _rest_text_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("rest_text", RestTextConverter)


@blueprint.get("/info")
@operation(TAG, description="As `https://rest.genenames.org/info`: XML by default, JSON on `Accept: "
                            "application/json`. `numDoc` counts the approved records and the withdrawn entries loaded.",
           parameters=[RELEASE_QUERY_PARAMETER], reads_store=True,
           responses={200: _xml_or_json("lastModified, numDoc, searchableFields, storedFields")})
@inject
def rest_info(readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """HGNC's /info: lastModified, numDoc, searchableFields, storedFields; XML, or JSON by Accept."""
    started = time.perf_counter()
    info = readers.mirror(asked_release()).info()
    answer = {"lastModified": info.last_modified, "numDoc": info.num_doc,
              "searchableFields": list(info.searchable_fields), "storedFields": info.stored_fields}
    return _answer(started, answer)


@blueprint.get("/fetch/<field>/<rest_text:term>")
@operation(TAG, description="As HGNC's `/fetch/{field}/{term}`: every stored field of each record whose `field` "
                            "holds `term` (in any case; no wildcards), in `{\"responseHeader\", \"response\": "
                            "{\"numFound\", \"start\", \"docs\"}}` or Solr's XML. A withdrawn entry is found with "
                            "its `status`.",
           parameters=[path_parameter("field", "a searchable field, e.g. `symbol`", enum=list(SEARCHABLE_FIELDS)),
                       path_parameter("term", "e.g. `ZNF3`; `+` or `%20` for a space"), RELEASE_QUERY_PARAMETER],
           reads_store=True, responses={200: _xml_or_json("the matching records"),
                                        400: problem_answer("not a searchable field")})
@inject
def rest_fetch(field: str, term: str, readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """HGNC's /fetch/{field}/{term}: every stored field of each matching record (withdrawn ones with their status)."""
    started = time.perf_counter()
    found = readers.mirror(asked_release()).fetch(field, _spaced(term))
    return _answer(started, None, found, [hgnc_doc(doc) for doc, _ in found.docs], with_score=False)


@blueprint.get("/search/<rest_text:query>")
@operation(TAG, description="As HGNC's `/search/{term}` and `/search/{field}/{term}`, its query syntax in the path: "
                            "`field:term`, `AND`, `OR`, `NOT`, parentheses, quoted phrases, `*` and `?` wildcards. "
                            "Each doc gives `hgnc_id`, `symbol` and `score`, best first; an exact approved symbol "
                            "ranks first.",
           parameters=[path_parameter("query", "e.g. `BRAF`, `symbol/ZNF*`, `symbol:BRAF+AND+status:Approved`"),
                       RELEASE_QUERY_PARAMETER],
           reads_store=True, responses={200: _xml_or_json("the matches, with numFound and maxScore"),
                                        400: problem_answer("the query is malformed, or names a field that is not "
                                                            "searchable")})
@inject
def rest_search(query: str, readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """HGNC's /search/{term} and /search/{field}/{term}, its query syntax in the path: hgnc_id, symbol, score, best first."""
    started = time.perf_counter()
    mirror = readers.mirror(asked_release())
    field, slash, term = query.partition("/")
    found = mirror.search(_spaced(term), field) if slash else mirror.search(_spaced(query))
    docs = [{"hgnc_id": doc["hgnc_id"], "symbol": doc["symbol"], "score": score} for doc, score in found.docs]
    return _answer(started, None, found, docs, with_score=True)


def _spaced(text: str) -> str:
    """HGNC takes `+` for a space in the path, as `%20` (which the router has decoded)."""
    return text.replace("+", " ")


def _answer(started: float, info: Mapping[str, Any] | None, found: Found | None = None,
            docs: list[dict[str, Any]] | None = None, with_score: bool = False) -> Response:
    header = {"status": 0, "QTime": elapsed_ms(started)}
    if request.accept_mimetypes.best_match([XML, JSON], default=XML) == JSON:
        if info is not None:
            body: dict[str, Any] = {"responseHeader": header, **info}
        else:
            assert found is not None and docs is not None
            response: dict[str, Any] = {"numFound": len(docs), "start": 0}
            if with_score:
                response["maxScore"] = found.max_score
            body = {"responseHeader": header, "response": {**response, "docs": docs}}
        answer = Response(orjson.dumps(body), mimetype=JSON)
    else:
        answer = Response(_xml(header, info, found, docs, with_score), mimetype=XML)
    answer.vary.add("Accept")
    return answer


def _xml(header: dict[str, int], info: Mapping[str, Any] | None, found: Found | None,
         docs: list[dict[str, Any]] | None, with_score: bool) -> str:
    """Solr's XML response writer's shape, as HGNC's service answers."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<response>\n<lst name="responseHeader">',
             *(_element(name, value) for name, value in header.items()), "</lst>"]
    if info is not None:
        parts += [_element(name, value, date=name == "lastModified") for name, value in info.items() if value is not None]
    else:
        assert found is not None and docs is not None
        score = f" maxScore={quoteattr(str(found.max_score))}" if with_score else ""
        parts.append(f'<result name="response" numFound="{len(docs)}" start="0"{score}>')
        for doc in docs:
            parts += ["<doc>", *(_element(name, value, date=name in DATE_FIELDS) for name, value in doc.items()),
                      "</doc>"]
        parts.append("</result>")
    parts.append("</response>\n")
    return "".join(parts)


def _element(name: str | None, value: Any, date: bool = False) -> str:
    named = f" name={quoteattr(name)}" if name is not None else ""
    if isinstance(value, list):
        return f"<arr{named}>{''.join(_element(None, item, date) for item in value)}</arr>"
    if isinstance(value, bool):
        return f"<bool{named}>{'true' if value else 'false'}</bool>"
    if isinstance(value, int):
        return f"<int{named}>{value}</int>"
    if isinstance(value, float):
        return f"<float{named}>{value}</float>"
    tag = "date" if date else "str"
    return f"<{tag}{named}>{escape(str(value))}</{tag}>"
