"""The monitoring routes' answers: the queue with the jobs counted by status, and the live workers."""
from __future__ import annotations

from marshmallow import Schema, fields

from genes.job import JobStatus

class JobCountsSchema(Schema):
    """How many jobs are in each status."""

    submitted = fields.Integer(required=True)
    in_progress = fields.Integer(required=True, data_key=JobStatus.IN_PROGRESS.value)
    complete = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)


class QueueSchema(Schema):
    """`GET /queue`: the queue, its workers and the jobs by status, each counted without reading any job."""

    queued = fields.Integer(required=True, metadata={"description": "ids waiting for a worker"})
    in_flight = fields.Integer(required=True, metadata={"description": "ids taken by workers and not yet acknowledged"})
    dead_letters = fields.Integer(required=True, metadata={"description": "queue messages that were not job ids, set aside"})
    workers = fields.Integer(required=True, metadata={"description": "workers holding a live lease"})
    jobs = fields.Nested(JobCountsSchema, required=True)


class WorkerSchema(Schema):
    """One live worker of `GET /workers`."""

    id = fields.String(required=True)
    host = fields.String(required=True)
    pid = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    last_seen = fields.DateTime(required=True, metadata={"description": "its last heartbeat"})
    current_job = fields.String(allow_none=True, required=True, metadata={"description": "the id of the job it runs"})
    jobs_done = fields.Integer(required=True, metadata={"description": "jobs it has taken and acknowledged"})
    job_timeout_seconds = fields.Float(allow_none=True, required=True, metadata={
        "description": "its JOB_TIMEOUT_SECONDS: an attempt running longer is stopped"})
    current_job_started_at = fields.DateTime(allow_none=True, required=True, metadata={
        "description": "when it started the job it runs; null when it runs none"})
    current_job_seconds = fields.Float(allow_none=True, required=True, metadata={
        "description": "how long it has run that job, in seconds; null when it runs none"})

