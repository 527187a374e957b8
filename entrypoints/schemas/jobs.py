"""The job routes' schemas: a job's parameters (one schema per kind) and the listing's query, and the job and
results answered."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from entrypoints.schemas.paging import MAX_OFFSET
from genes.gene import LOCUS_GROUPS
from genes.job import Job, JobKind, JobParameters, JobStatus, Parameters, ReleaseDiffParameters
from genes.release_diff import CHANGE_KINDS, CROSS_REFERENCE_FIELDS

MAX_JOB_PAGE = 10_000

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDate(fields.Date):
    """A calendar date written exactly as YYYY-MM-DD."""

    default_error_messages = {"invalid": "Not a valid date: expected YYYY-MM-DD."}

    def _deserialize(self, value: object, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_RELEASE = "a held release (`GET /releases`), YYYY-MM-DD"


class AnalysisParametersSchema(Schema):
    """The body of `POST /jobs` for an analysis, the default kind."""

    class Meta:
        unknown = RAISE

    kind = fields.String(validate=validate.OneOf([JobKind.ANALYSIS.value]), load_only=True,
                         metadata={"description": "absent means an analysis"})
    start_date = IsoDate(required=True, metadata={"description": "first date_approved_reserved to count, YYYY-MM-DD"})
    end_date = IsoDate(required=True, metadata={"description": "last date_approved_reserved to count, YYYY-MM-DD"})
    locus_group = fields.String(
        allow_none=True,
        validate=validate.OneOf(LOCUS_GROUPS),
        metadata={"description": "one HGNC locus group; absent or null means all"},
    )
    release = IsoDate(allow_none=True, metadata={
        "description": f"{_RELEASE}: the release to analyse; absent or null means the live one when submitted"})

    @validates_schema
    def start_not_after_end(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start_date" in data and "end_date" in data and data["start_date"] > data["end_date"]:
            raise ValidationError("must not be before start_date", field_name="end_date")

    @post_load
    def to_parameters(self, data: dict[str, Any], **kwargs: Any) -> JobParameters:
        data.pop("kind", None)
        return JobParameters(**data)


class ReleaseDiffParametersSchema(Schema):
    """The body of `POST /jobs` for a release diff: what changed from one held release to a newer one."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf([JobKind.RELEASE_DIFF.value]))
    from_release = IsoDate(required=True, data_key="from", metadata={"description": f"{_RELEASE}: the older one"})
    to_release = IsoDate(required=True, data_key="to", metadata={"description": f"{_RELEASE}: the newer one"})

    @validates_schema
    def from_older_than_to(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "from_release" in data and "to_release" in data:
            if data["from_release"] == data["to_release"]:
                raise ValidationError("must be another release than `from`", field_name="to")
            if data["from_release"] > data["to_release"]:
                raise ValidationError("must be a newer release than `from`", field_name="to")

    @post_load
    def to_parameters(self, data: dict[str, Any], **kwargs: Any) -> ReleaseDiffParameters:
        return ReleaseDiffParameters(data["from_release"], data["to_release"])


class JobRequestSchema:
    """The body of `POST /jobs`, loaded by the schema of its `kind` (absent: an analysis)."""

    KINDS: dict[str, Schema] = {JobKind.ANALYSIS.value: AnalysisParametersSchema(),
                                JobKind.RELEASE_DIFF.value: ReleaseDiffParametersSchema()}
    OPENAPI = {"oneOf": [AnalysisParametersSchema, ReleaseDiffParametersSchema]}

    def load(self, body: Mapping[str, Any]) -> Parameters:
        kind = body.get("kind", JobKind.ANALYSIS.value)
        schema = self.KINDS.get(kind) if isinstance(kind, str) else None
        if schema is None:
            raise ValidationError({"kind": [f"Must be one of: {', '.join(self.KINDS)}."]})
        parameters: Parameters = schema.load(body)
        return parameters


class JobListQuerySchema(Schema):
    """The query string of `GET /jobs`."""

    class Meta:
        unknown = RAISE

    status = fields.Enum(JobStatus, by_value=fields.String)
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_JOB_PAGE), strict=False,
                           metadata={"description": "at most this many ids; without it, every one from `offset`"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET), strict=False,
                            metadata={"description": "ids to skip, oldest first"})


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# Visible ASCII (a UUID, say): what every HTTP stack carries unchanged, spaces trimmed by none.
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")


def idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key header of `POST /jobs`, checked; None when not sent."""
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise ValidationError({IDEMPOTENCY_KEY_HEADER: ["must be 1 to 255 visible ASCII characters, e.g. a UUID"]})
    return value



class _JobSchema(Schema):
    """What every job's answer holds, whatever its kind."""

    id = fields.String(required=True)
    kind = fields.Enum(JobKind, by_value=fields.String, attribute="parameters.kind", required=True)
    status = fields.Enum(JobStatus, by_value=fields.String, required=True)
    submitted_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    attempts = fields.Integer(required=True, metadata={"description": "how many times a worker has started it"})
    error = fields.String(allow_none=True, required=True, metadata={
        "description": "why it failed; while in progress, why its last attempt ended (it timed out)"})
    reused = fields.Boolean(required=True, metadata={
        "description": "true when it completed with the results of earlier jobs with the same parameters on the "
                       "same gene sets: nothing computed, no plot drawn again"})
    expires_at = fields.DateTime(allow_none=True, required=True, metadata={
        "description": "when the job, its results and plot are forgotten (`JOB_TTL_SECONDS` after it ended); "
                       "null while it runs, or when jobs are kept for ever"})


class JobSchema(_JobSchema):
    """An analysis job, as `POST /jobs`, `GET /jobs/<id>` and `DELETE /jobs/<id>` answer it."""

    start_date = fields.Date(attribute="parameters.start_date", required=True)
    end_date = fields.Date(attribute="parameters.end_date", required=True)
    locus_group = fields.String(attribute="parameters.locus_group", allow_none=True, required=True,
                                validate=validate.OneOf(LOCUS_GROUPS))
    release = fields.Date(allow_none=True, required=True, metadata={
        "description": "the release it reads, the live one when submitted unless it asked for another; null for "
                       "jobs submitted with no data loaded, or before releases: they read the live one"})


class ReleaseDiffJobSchema(_JobSchema):
    """A release diff job, as `POST /jobs`, `GET /jobs/<id>` and `DELETE /jobs/<id>` answer it."""

    from_release = fields.Date(attribute="parameters.from_release", data_key="from", required=True)
    to_release = fields.Date(attribute="parameters.to_release", data_key="to", required=True)


ANY_JOB = {"oneOf": [JobSchema, ReleaseDiffJobSchema]}
_jobs = {JobKind.ANALYSIS: JobSchema(), JobKind.RELEASE_DIFF: ReleaseDiffJobSchema()}


def job_json(job: Job) -> dict[str, Any]:
    """The job as the API answers it: by the schema of its kind, which the OpenAPI document publishes."""
    answer: dict[str, Any] = _jobs[job.parameters.kind].dump(job)
    return answer


class ResultsSchema(Schema):
    """The analysis of a complete job: gene approvals in the range, counted several ways."""

    class Meta:
        unknown = INCLUDE

    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    locus_group = fields.String(allow_none=True, required=True, validate=validate.OneOf(LOCUS_GROUPS))
    total = fields.Integer(required=True)
    by_year = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_locus_group = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_locus_type = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_chromosome = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_year_and_locus_group = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()), required=True)



class _GeneSchema(Schema):
    hgnc_id = fields.String(required=True)
    symbol = fields.String(required=True)


class _MergedSchema(_GeneSchema):
    into = fields.List(fields.Nested(_GeneSchema), required=True, metadata={
        "description": "the genes of `to` that list its symbol as a previous one, by id number"})


class _RenamedSchema(Schema):
    hgnc_id = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)


class _FieldChangeSchema(_GeneSchema):
    from_ = fields.String(allow_none=True, required=True, data_key="from", metadata={"description": "null: absent"})
    to = fields.String(allow_none=True, required=True)


class _XrefChangeSchema(_GeneSchema):
    field = fields.String(required=True, validate=validate.OneOf(CROSS_REFERENCE_FIELDS))
    value = fields.String(required=True)


def _changes(nested: type[Schema], description: str) -> fields.List[Any]:
    return fields.List(fields.Nested(nested), required=True, metadata={"description": description})


class ReleaseDiffResultsSchema(Schema):
    """What changed from one release to another (from -> to): each list by id number, then field, then value."""

    kind = fields.String(required=True, validate=validate.OneOf([JobKind.RELEASE_DIFF.value]))
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    counts = fields.Dict(keys=fields.String(validate=validate.OneOf(CHANGE_KINDS)), values=fields.Integer(),
                         required=True, metadata={"description": "how many changes of each kind"})
    fields_not_compared = fields.List(fields.String(), required=True, metadata={
        "description": "fields one release holds and the other lacks (a custom download may lack `location`): "
                       "their changes are not looked for"})
    added = _changes(_GeneSchema, "ids approved in `to`, not in `from`")
    merged = _changes(_MergedSchema, "ids of `from` gone from `to`, whose symbol genes of `to` list as previous")
    withdrawn = _changes(_GeneSchema, "the other ids of `from` gone from `to`")
    renamed = _changes(_RenamedSchema, "the same id with another symbol")
    name_changed = _changes(_FieldChangeSchema, "the same id with another name (`symbol`: in `to`)")
    locus_type_changed = _changes(_FieldChangeSchema, "the same id with another locus type")
    location_changed = _changes(_FieldChangeSchema, "the same id with another location")
    xrefs_added = _changes(_XrefChangeSchema, "a cross-reference's value (each of a list's) only `to` holds")
    xrefs_removed = _changes(_XrefChangeSchema, "a cross-reference's value only `from` holds")
