"""`make run`: the service on this machine without Docker (a supervisor of Redis, the API and the job workers)."""
