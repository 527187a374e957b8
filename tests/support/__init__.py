"""What tests and benchmarks share: `eventually`, the API client, waiting for jobs, ports and processes."""
from tests.support.api_client import ApiClient
from tests.support.jobs import ENDED, wait_for_job, wait_for_jobs
from tests.support.polling import ProcessExited, eventually
from tests.support.processes import (
    REPO_ROOT, SERVER_COMMAND, ApiProcess, ProcessFailed, RedisServer, ServiceProcess, closed_port, free_port,
    service_environment)

__all__ = ["ApiClient", "ENDED", "wait_for_job", "wait_for_jobs", "ProcessExited", "eventually", "REPO_ROOT",
           "SERVER_COMMAND", "ApiProcess", "ProcessFailed", "RedisServer", "ServiceProcess", "closed_port", "free_port",
           "service_environment"]
