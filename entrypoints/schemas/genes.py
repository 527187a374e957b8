"""The gene routes' schemas: the lookups of `GET /genes`, the batch query, and the records and summaries answered."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate

from entrypoints.schemas.paging import MAX_OFFSET
from entrypoints.schemas.releases import ReleaseDate, release_parameter
from genes.gene import LOCUS_GROUPS, RECORD_FIELDS
from genes.gene_lookup import DEFAULT_SCOPES, GeneQuery
from genes.lookup import LIST_LOOKUPS, LOOKUP_FIELDS, SCOPES, SEARCHABLE_FIELDS, VERSIONED_FIELDS

MAX_PAGE = 50_000
MAX_FIELDS_LENGTH = 2048  # the text of `fields=`: every record field's name fits in a third of it


# An example of each lookup parameter from the HGNC set: BRCA1's, or A1BG's and A1BG-AS1's where BRCA1 has none.
LOOKUP_EXAMPLES = {
    "entrez_id": "672", "ensembl_gene_id": "ENSG00000012048", "uniprot_ids": "P38398",
    "refseq_accession": "NM_007294", "ccds_id": "CCDS12976", "vega_id": "OTTHUMG00000157426",
    "ucsc_id": "uc002ict.4", "ena": "U14680", "omim_id": "113705", "mgd_id": "MGI:104537",
    "rgd_id": "RGD:2218", "mane_select": "NM_007294", "rna_central_id": "URS00007E4F6E",
    "prev_symbol": "A1BGAS", "alias_symbol": "BRCC1", "locus_type": "gene with protein product",
    "location": "17q21",
}
LOOKUP_DESCRIPTIONS = {
    "location": "a cytoband: finds it and every band inside it (17q21 finds 17q21.31, not 17q22); any case",
    "locus_type": "exact, any case",
}
MAX_TERM_LENGTH = 256
MAX_BATCH_TERMS = 1_000

class FieldNames(fields.String):
    """`fields=`: comma-separated names of record fields, each known, the whole at most MAX_FIELDS_LENGTH characters."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_FIELDS_LENGTH:  # the text's length, as documented: not the count of names it gives
            raise ValidationError(f"longer than {MAX_FIELDS_LENGTH} characters")
        return _known_fields(text.split(","))  # as documented: no spaces around the names


def known_field_names(names: list[str]) -> None:
    """A validator: every name is a record field's (the message names those that are not)."""
    _known_fields(names)


def _known_fields(names: list[str]) -> tuple[str, ...]:
    unknown = [name for name in names if name not in RECORD_FIELDS]
    if unknown:
        raise ValidationError(f"unknown field name{'s' if len(unknown) > 1 else ''}: {', '.join(map(repr, unknown))}; "
                              f"known: {', '.join(RECORD_FIELDS)}")
    return tuple(dict.fromkeys(names))


_FIELD_NAME = "|".join(re.escape(name) for name in RECORD_FIELDS)
_FIELDS_DESCRIPTION = "comma-separated record fields to answer, beside hgnc_id (e.g. symbol,name,entrez_id)"


class GeneFieldsSchema(Schema):
    """The query string of `GET /genes/<hgnc_id>`."""

    class Meta:
        unknown = RAISE

    # The parameter is named `fields`; marshmallow takes declared fields out of the class, so the name
    # shadows nothing at run time, only in Schema's annotations.
    fields = FieldNames(metadata={  # type: ignore[assignment]
        "description": _FIELDS_DESCRIPTION, "minLength": 1, "maxLength": MAX_FIELDS_LENGTH,
        "pattern": f"^({_FIELD_NAME})(,({_FIELD_NAME}))*$"})
    release = release_parameter()

def _lookup_description(name: str) -> str:
    if name in LOOKUP_DESCRIPTIONS:
        return LOOKUP_DESCRIPTIONS[name]
    description = "exact, any case"
    if name in LIST_LOOKUPS:
        description += "; a list field matches when one of its values does"
    if name in VERSIONED_FIELDS:
        description += "; an accession matches with or without its version"
    return description


# One query parameter per lookup field (locus_group, checked against its few values, is below).
# No `example`: Swagger UI's "Try it out" would fill in every one, and their AND finds nothing.
_LookupParameters = Schema.from_dict({
    name: fields.String(validate=validate.Length(min=1, max=MAX_TERM_LENGTH), metadata={
        "description": f"{_lookup_description(name)}; e.g. `{LOOKUP_EXAMPLES[name]}`"})
    for name in LOOKUP_FIELDS if name != "locus_group"
}, name="LookupParameters")


class GeneQuerySchema(GeneFieldsSchema, _LookupParameters):  # type: ignore[valid-type,misc]
    """The query string of `GET /genes`: every lookup given must hold (AND), then the page."""

    symbol = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "approved, previous or alias symbol, any case; ranked: approved first; "
                                 "e.g. `BRCA1`"},
    )
    locus_group = fields.String(validate=validate.OneOf(LOCUS_GROUPS))
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE), strict=False)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET), strict=False)

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> tuple[GeneQuery, tuple[str, ...] | None]:
        chosen = data.pop("fields", None)
        data.pop("release", None)  # the view reads it: it picks the catalog, not the genes
        offset, limit = data.pop("offset", 0), data.pop("limit", None)
        return GeneQuery(criteria=data, offset=offset, limit=limit), chosen


@lru_cache(maxsize=256)
def gene_query_schema(names: frozenset[str]) -> GeneQuerySchema:
    """GeneQuerySchema for a query string of these parameter names: restricted to them when all are
    known (marshmallow's load walks every declared field: 220 µs for all 22, 30 µs for one; a
    third of a lookup's CPU), the whole schema otherwise, which refuses the unknown ones."""
    if names <= GeneQuerySchema._declared_fields.keys():
        return GeneQuerySchema(only=names)
    return GeneQuerySchema()


class GeneBatchQuerySchema(Schema):
    """The body of `POST /genes/query`."""

    class Meta:
        unknown = RAISE

    q = fields.List(fields.String(validate=validate.Length(max=MAX_TERM_LENGTH)), required=True,
                    validate=validate.Length(min=1, max=MAX_BATCH_TERMS,
                                             error=f"give from 1 to {MAX_BATCH_TERMS} terms"),
                    metadata={"description": f"the terms, at most {MAX_BATCH_TERMS}",
                              "example": ["BRCA1", "672", "P38398", "nosuch"]})
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), validate=validate.Length(min=1),
                         load_default=list(DEFAULT_SCOPES),
                         metadata={"description": "what each term is matched against; symbol: approved, "
                                                  "previous or alias symbol",
                                   "example": ["symbol", "entrez_id", "uniprot_ids"]})
    fields = fields.List(fields.String(metadata={"enum": list(RECORD_FIELDS)}),  # type: ignore[assignment]  # see GeneFieldsSchema
                         validate=[validate.Length(min=1), known_field_names],
                         metadata={"description": "the record fields to answer beside hgnc_id; absent: the "
                                                  "whole record", "example": ["symbol", "name"]})


class GeneRecordSchema(Schema):
    """One HGNC record: list fields as arrays, empty fields left out. Typed here: what every load guarantees."""

    class Meta:
        unknown = INCLUDE

    hgnc_id = fields.String(required=True, metadata={"example": "HGNC:5"})
    symbol = fields.String(required=True, metadata={"example": "A1BG"})
    name = fields.Raw(metadata={"description": "the approved name", "example": "alpha-1-B glycoprotein"})
    locus_group = fields.String(metadata={"example": "protein-coding gene"})
    locus_type = fields.String(metadata={"example": "gene with protein product"})
    location = fields.String(metadata={"example": "19q13.43"})
    date_approved_reserved = fields.String(metadata={"description": "YYYY-MM-DD", "example": "1989-06-30"})
    prev_symbol = fields.List(fields.String())
    alias_symbol = fields.List(fields.String())


class LoadSummarySchema(Schema):
    """What `POST /data` loaded."""

    count = fields.Integer(required=True)
    source = fields.String(required=True)
    seconds = fields.Float(required=True)


class ReleaseLoadedSchema(LoadSummarySchema):
    """What `POST /data` loaded: a release."""

    release = ReleaseDate(required=True, metadata={"description": "the release loaded, YYYY-MM-DD"})
    live = fields.Boolean(required=True, metadata={"description": "whether it is the live release now"})



class DeletedSchema(Schema):
    deleted = fields.Boolean(required=True, metadata={"description": "whether there was gene data to delete"})



class GeneMatchSchema(Schema):
    """One answer of `POST /genes/query`: a gene a term found (its record, or hgnc_id and the fields
    asked), or the term alone with `notfound`."""

    class Meta:
        unknown = INCLUDE

    query = fields.String(required=True, metadata={"example": "BRCA1"})
    hgnc_id = fields.String(metadata={"example": "HGNC:1100"})
    notfound = fields.Boolean(validate=validate.Equal(True), metadata={"description": "present when nothing matched"})


class InfoSchema(Schema):
    """`GET /info`: what is loaded, and what can be looked up."""

    count = fields.Integer(required=True, metadata={"description": "genes loaded; 0 when none"})
    loaded_at = fields.DateTime(required=True, allow_none=True)
    source = fields.String(required=True, allow_none=True, metadata={"description": "where the set was loaded from"})
    release = fields.String(required=True, allow_none=True, metadata={
        "description": "the release answered, YYYY-MM-DD: the live one, or the one asked; null when none is loaded"})
    last_modified = fields.String(required=True, allow_none=True,
                                  metadata={"description": "the newest date_modified in the set, YYYY-MM-DD"})
    searchable_fields = fields.List(fields.String(validate=validate.OneOf(SEARCHABLE_FIELDS)), required=True,
                                    metadata={"description": "the lookup parameters of GET /genes"})
    version = fields.String(required=True, metadata={"description": "this service's version"})

