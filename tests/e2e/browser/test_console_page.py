"""The console in a real browser, against the real API and worker processes and the full data set."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import OpenPage, WatchedPage
from tests.e2e.reliability.stuck_worker import STUCK
from tests.support import ApiClient, ServiceProcess

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("no_jobs_yet")]
JOB_TIMEOUT_MILLISECONDS = 60_000


@pytest.fixture
def console(open_page: OpenPage) -> WatchedPage:
    console = open_page("/")
    console.page.wait_for_selector("body[data-ready=true]")  # it has read /openapi.json
    return console


def test_searching_brca1_by_keyboard_shows_its_record(console: WatchedPage, loaded_api: ApiClient) -> None:
    page = console.page
    value = page.get_by_label("Value")
    value.fill("BRCA1")
    value.press("Enter")

    expect(page.locator("#gene-status")).to_have_text("1 gene found.")
    expect(page.get_by_role("heading", name="BRCA1 · HGNC:1100")).to_be_visible()
    record = page.locator("#gene-record")
    expect(record.get_by_role("row", name="hgnc_id HGNC:1100")).to_be_visible()
    expect(record).to_contain_text("BRCA1 DNA repair associated")
    count = loaded_api.get("/info").json()["count"]
    expect(page.locator("#service-info summary")).to_have_text(f"About the data ({count:,} genes)")

    console.screenshot("console-gene")
    console.assert_everything_came_from_the_service()


def test_a_search_with_several_matches_lists_them_and_opens_the_one_chosen(console: WatchedPage, loaded_api: ApiClient) -> None:
    ids = loaded_api.get("/genes", params={"symbol": "MRP2"}).json()  # an alias of three genes
    assert len(ids) >= 3
    symbols = [loaded_api.get(f"/genes/{hgnc_id}").json()["symbol"] for hgnc_id in ids]
    page = console.page
    page.get_by_label("Value").fill("MRP2")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#gene-status")).to_have_text(f"{len(ids)} genes found:")
    matches = page.get_by_role("list", name="Matching genes").get_by_role("button")
    expect(matches).to_have_count(len(ids))
    for match, hgnc_id, symbol in zip(matches.all(), ids, symbols):
        expect(match).to_contain_text(f"{symbol} {hgnc_id}")
    matches.nth(1).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"{symbols[1]} · {ids[1]}")).to_be_visible()
    expect(page.locator("#gene-record")).to_be_focused()
    console.assert_everything_came_from_the_service()


def test_a_gene_is_found_by_a_cross_reference(console: WatchedPage) -> None:
    page = console.page
    page.get_by_label("Search by").select_option(label="Entrez ID")
    page.get_by_label("Value").fill("672")
    page.get_by_label("Value").press("Enter")
    expect(page.get_by_role("heading", name="BRCA1 · HGNC:1100")).to_be_visible()


def test_a_cytoband_lists_its_genes_from_one_call(console: WatchedPage, loaded_api: ApiClient) -> None:
    ids = loaded_api.get("/genes", params={"location": "17q21.31"}).json()
    assert len(ids) > 20  # more than the console lists
    page = console.page
    page.get_by_label("Search by").select_option(label="Location")
    page.get_by_label("Value").fill("17q21.31")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#gene-status")).to_have_text("More than 20 genes found; the first 20:")
    matches = page.get_by_role("list", name="Matching genes").get_by_role("button")
    expect(matches).to_have_count(20)
    expect(matches.first).to_contain_text(ids[0])
    records_read = [url for _, url in console.requests if "/genes/HGNC:" in url]
    assert records_read == []  # the list came with its symbols and names (fields=), not a call per gene
    console.assert_everything_came_from_the_service()


def test_the_search_offers_the_lookups_of_get_genes(console: WatchedPage, loaded_api: ApiClient) -> None:
    parameters = loaded_api.get("/openapi.json").json()["paths"]["/genes"]["get"]["parameters"]
    lookups = [p["name"] for p in parameters if p["in"] == "query" and p["name"] not in ("limit", "offset", "fields")
               and "enum" not in p["schema"]]
    offered = console.page.locator("#gene-field option").evaluate_all("options => options.map((o) => o.value)")
    assert offered == ["symbol", *(name for name in lookups if name != "symbol"), "hgnc_id"]
    expect(console.page.get_by_label("Search by")).to_have_value("symbol")

    console.page.get_by_label("Search by").select_option("hgnc_id")
    console.page.get_by_label("Value").fill("HGNC:1101")
    console.page.get_by_role("button", name="Search").click()
    expect(console.page.get_by_role("heading", name="BRCA2 · HGNC:1101")).to_be_visible()

    console.page.get_by_label("Value").fill("BRCA2")  # not an id: the API's 400 detail shows at the field
    console.page.get_by_role("button", name="Search").click()
    expect(console.page.locator("#gene-value-error")).to_contain_text("is not an HGNC id")
    console.assert_everything_came_from_the_service()


def test_a_bad_job_form_shows_the_apis_own_messages_next_to_the_fields(console: WatchedPage, loaded_api: ApiClient) -> None:
    page = console.page
    form = page.locator("#job-form")
    start, end = form.get_by_label("Start date"), form.get_by_label("End date")
    start.fill("2010-01-01")
    end.fill("2000-01-01")
    form.get_by_role("button", name="Submit job").click()

    refused = loaded_api.post("/jobs", json={"start_date": "2010-01-01", "end_date": "2000-01-01"})
    assert refused.status_code == 400
    expected = " ".join(refused.json()["errors"]["end_date"])
    expect(page.locator("#end_date-error")).to_have_text(expected)
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(end).to_have_accessible_description(re.compile(re.escape(expected)))
    expect(end).to_be_focused()  # the first wrong field takes the focus
    expect(page.locator("#start_date-error")).to_be_hidden()
    console.screenshot("console-bad-form")

    start.fill("")
    form.get_by_role("button", name="Submit job").click()
    expect(page.locator("#start_date-error")).to_have_text("Missing data for required field.")
    expect(page.locator("#end_date-error")).to_be_hidden()
    assert loaded_api.get("/jobs").json() == []  # nothing was submitted
    console.assert_everything_came_from_the_service()


def test_a_good_job_reaches_complete_with_its_results_and_plot(
        console: WatchedPage, loaded_api: ApiClient, start_worker: Callable[[], ServiceProcess]) -> None:
    start_worker()
    page = console.page
    form = page.locator("#job-form")
    form.get_by_label("Start date").fill("2000-01-01")
    form.get_by_label("End date").fill("2005-12-31")
    form.get_by_label("Locus group").select_option("protein-coding gene")
    form.get_by_role("button", name="Submit job").click()

    expect(page.locator("#job-form-status")).to_contain_text("submitted")
    (job_id,) = loaded_api.get("/jobs").json()
    row = page.locator(f'#jobs-rows tr[data-job-id="{job_id}"]')
    # Told by its word, not by a colour.
    expect(row.locator(".status")).to_have_text(re.compile(r"\bcomplete$"), timeout=JOB_TIMEOUT_MILLISECONDS)
    expect(row).to_contain_text("2000-01-01 – 2005-12-31")
    expect(row.locator("time")).to_have_count(3)  # submitted, started, finished
    expect(page.locator("#job-form-status")).to_contain_text("is complete")

    row.get_by_role("button", name=f"Results of job {job_id[:8]}").focus()
    page.keyboard.press("Enter")  # a real button: the keyboard opens the results
    expect(page.locator("#results-panel")).to_be_focused()
    page.wait_for_function("""() => {
        const plot = document.getElementById("results-plot");
        return plot !== null && plot.complete && plot.naturalWidth > 0;
    }""")
    results = loaded_api.get(f"/results/{job_id}").json()
    expect(page.locator("#results-summary")).to_contain_text(f"{results['total']:,} genes approved")
    by_year = page.get_by_role("table", name="By year and locus group")
    expect(by_year.locator("tbody tr")).to_have_count(len(results["by_year"]))
    expect(by_year.locator("tfoot")).to_contain_text(f"{results['total']:,}")
    chromosomes = page.get_by_role("table", name="By chromosome")
    expect(chromosomes.get_by_role("row", name=f"X {results['by_chromosome']['X']:,}")).to_be_visible()

    console.screenshot("console")
    console.assert_everything_came_from_the_service()


def test_a_job_no_worker_has_started_is_cancelled_from_its_row(console: WatchedPage, loaded_api: ApiClient) -> None:
    job = loaded_api.post("/jobs", json={"start_date": "2000-01-01", "end_date": "2000-12-31"}).json()  # no worker
    row = console.page.locator(f'#jobs-rows tr[data-job-id="{job["id"]}"]')
    expect(row.locator(".status")).to_have_text(re.compile(r"\bsubmitted$"))

    row.get_by_role("button", name=f"Cancel job {job['id'][:8]}").click()
    expect(row.locator(".status")).to_have_text(re.compile(r"\bcancelled$"))
    expect(row.get_by_role("button")).to_have_count(0)  # nothing left to do with it
    assert loaded_api.get(f"/jobs/{job['id']}").json()["status"] == "cancelled"
    console.assert_everything_came_from_the_service()


def test_a_running_job_is_cancelled_from_its_row_and_its_worker_stops_it(
        console: WatchedPage, loaded_api: ApiClient, start_worker: Callable[..., ServiceProcess]) -> None:
    worker = start_worker("tests.e2e.reliability.stuck_worker")  # its STUCK job only a cancel ends
    body = {"start_date": STUCK.start_date.isoformat(), "end_date": STUCK.end_date.isoformat()}
    job = loaded_api.post("/jobs", json=body).json()
    row = console.page.locator(f'#jobs-rows tr[data-job-id="{job["id"]}"]')
    expect(row.locator(".status")).to_have_text(re.compile(r"\bin progress$"))

    row.get_by_role("button", name=f"Cancel job {job['id'][:8]}").click()

    expect(row.locator(".status")).to_have_text(re.compile(r"\bcancelled$"))
    expect(row.get_by_role("button")).to_have_count(0)
    expect(console.page.locator("#job-form-status")).to_have_text(f"Job {job['id'][:8]} is cancelled.")
    next_job = loaded_api.post("/jobs", json={"start_date": "2001-01-01", "end_date": "2001-12-31"}).json()
    expect(console.page.locator(f'#jobs-rows tr[data-job-id="{next_job["id"]}"] .status')).to_have_text(
        re.compile(r"\bcomplete$"), timeout=15_000)  # the worker stopped the cancelled job and took the next
    assert f"job {job['id']} cancelled while it ran" in worker.log_path.read_text()
    console.assert_everything_came_from_the_service()


def test_every_control_of_the_console_has_a_name_and_takes_the_keyboard_focus(console: WatchedPage) -> None:
    controls = console.page.locator("main").locator("input:visible, select:visible, button:visible")
    assert controls.count() >= 9  # value, search by, locus group, search, 2 dates, group, submit, refresh...
    for control in controls.all():
        expect(control).to_have_accessible_name(re.compile(r"\w"))
        control.focus()
        expect(control).to_be_focused()


def test_the_queue_and_the_live_workers_refresh_themselves(
        console: WatchedPage, loaded_api: ApiClient, start_worker: Callable[[], ServiceProcess]) -> None:
    page = console.page
    worker = start_worker()  # after the page opened: only its refresh can show it
    (listed,) = [w for w in loaded_api.get("/workers").json() if w["pid"] == worker.pid]
    row = page.locator("#workers-panel tbody tr", has_text=listed["id"])
    expect(row).to_be_visible()
    expect(row.locator("td").nth(6)).to_have_text("0")  # jobs done

    job = loaded_api.post("/jobs", json={"start_date": "2000-01-01", "end_date": "2000-12-31"}).json()
    expect(page.locator(f'#jobs-rows tr[data-job-id="{job["id"]}"] .status')).to_have_text(
        re.compile(r"\bcomplete$"), timeout=JOB_TIMEOUT_MILLISECONDS)
    queue = loaded_api.get("/queue").json()
    expect(row.locator("td").nth(6)).to_have_text("1")
    tiles = page.locator("#queue-panel .tile")
    expect(tiles.filter(has_text="Workers")).to_have_text(re.compile(rf"Workers\s*{queue['workers']}$"))
    expect(tiles.filter(has_text="complete")).to_have_text(re.compile(rf"complete\s*{queue['jobs']['complete']}$"))
    console.screenshot("console-workers")
    console.assert_everything_came_from_the_service()


def test_the_jobs_table_asks_for_the_newest_page_alone(console: WatchedPage, loaded_api: ApiClient) -> None:
    """Every refresh used to fetch every job id (a week of jobs: 4 MB every 2 s); the queue's count
    gives the offset of the newest instead."""
    submitted = [loaded_api.post("/jobs", json={"start_date": "2000-01-01", "end_date": f"2000-01-{day:02}"})
                 .json()["id"] for day in range(1, 26)]  # no worker: they stay submitted
    page = console.page
    expect(page.locator("#jobs-caption")).to_have_text("The 20 newest of 25 jobs, newest first.")
    rows = page.locator("#jobs-rows tr")
    expect(rows).to_have_count(20)
    assert [row.get_attribute("data-job-id") for row in rows.all()] == submitted[::-1][:20]
    listings = [url for _, url in console.requests if re.search(r"/jobs(\?|$)", url)]
    assert listings and all("offset=" in url for url in listings), listings

    page.get_by_label("Show").select_option("submitted")
    expect(page.locator("#jobs-caption")).to_have_text("The 20 newest of 25 submitted jobs, newest first.")
    assert any(url.endswith("/jobs?status=submitted&offset=5") for _, url in console.requests), console.requests[-5:]
    console.assert_everything_came_from_the_service()


def test_the_symbol_checker_shows_each_match_and_downloads_the_tsv(
        console: WatchedPage, checked_api: ApiClient, withdrawn: list[dict[str, str]]) -> None:
    pasted = "BRCA1, amn\nA1S9T\t.*"
    expected = checked_api.post("/genes/check", data=pasted, headers={"Content-Type": "text/plain"}).json()
    assert [row["match_type"] for row in expected[:2]] == ["Approved symbol", "Approved symbol"]
    assert {"Entry withdrawn", "Unmatched", "Alias symbol"} <= {row["match_type"] for row in expected}
    page = console.page
    page.get_by_role("textbox", name="Symbols").fill(pasted)
    page.get_by_role("button", name="Check", exact=True).click()

    rows = page.locator("#check-rows tr")
    expect(rows).to_have_count(len(expected))
    for row, answer in zip(rows.all(), expected):
        expect(row.locator("td").nth(0)).to_have_text(answer["input"])
        expect(row.locator("td").nth(1)).to_have_text(answer["match_type"])
        expect(row.locator("td").nth(4)).to_have_text(answer["hgnc_id"] or "—")
    withdrawn_row = page.locator("#check-rows tr[data-match='Entry withdrawn']").first
    expect(withdrawn_row).to_contain_text("HGNC:12469 UBA1")
    expect(page.locator("#check-status")).to_contain_text("4 distinct symbols")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download TSV").click()
    path = download.value.path()
    lines = open(path, encoding="utf-8").read().splitlines()
    assert lines[0].split("\t")[:2] == ["Input", "Match type"]
    assert [line.split("\t")[:2] for line in lines[1:]] == [[row["input"], row["match_type"]] for row in expected]
    console.screenshot("console-check")
    console.assert_everything_came_from_the_service()
