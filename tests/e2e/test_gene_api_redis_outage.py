"""Redis goes away under the running API and comes back: 503 problems meanwhile, then recovery unaided."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import StartApi
from tests.problem_details import assert_problem
from tests.support import RedisServer, eventually

SAMPLE_TSV = Path(__file__).parent.parent / "fixtures" / "hgnc_sample.tsv"
RECOVERY_SECONDS = 30


def test_with_redis_stopped_the_api_answers_503_and_recovers_by_itself_when_redis_is_back(
        redis_binary: str, start_api: StartApi, hgnc_data_path: Path, tmp_path: Path) -> None:
    server = RedisServer(redis_binary, tmp_path / "redis").start()  # its own: this test stops it
    try:
        api = start_api(server.host, server.port, hgnc_data_path)
        loaded = api.client.post("/data", timeout=60)
        assert loaded.status_code == 201, loaded.text
        assert loaded.json()["count"] == 43_882

        server.stop()
        for method, path in [("GET", "/health"), ("GET", "/genes/HGNC:5")]:
            response = api.client.request(method, path, timeout=60)
            assert_problem(response.status_code, response.headers, response.content, 503)
            assert response.headers["Retry-After"].isdigit()
        assert api.process.is_running(), "the API died with Redis:\n" + api.process.log_tail()

        server.start()  # same port, empty: the throwaway server keeps nothing
        eventually(api.client.is_healthy, RECOVERY_SECONDS, "/health 200 once Redis is back", interval=0.2)
        reloaded = api.client.post("/data", data=SAMPLE_TSV.read_bytes(), timeout=60)
        assert reloaded.status_code == 201, reloaded.text
        assert api.client.get("/genes/HGNC:5", timeout=60).json()["symbol"] == "A1BG"
    finally:
        server.stop()
