"""``einval compare --format text|markdown|json|html``: one-word cells,
footnotes pointing to traces; the HTML page checked in a real headless
browser (Debian's chromium) for what a reader would see."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess

import pytest

from einval import catalog
from einval.cli import main
from einval.render import markdown

SCENARIOS = ["--scenario", "bpf-fentry", "--scenario", "go-unpinned"]
VERDICT_CELL = re.compile(r"^(holds|violated|unknown)( \[\d+\])?$")


def compare(capsys, *argv):
    status = main(["compare", "--scenario", "bpf-fentry", *argv])
    out, err = capsys.readouterr()
    assert status == 0 and err == ""
    return out


@pytest.fixture(scope="module")
def outputs():
    """Each format of one run (module scope: running is the slow part);
    the command line itself is exercised by the determinism tests."""
    from einval import catalog, report, runner
    from einval.render import choose, html
    from einval.render.traces import Show

    scenarios = [catalog.scenario(n) for n in SCENARIOS[1::2]]
    results = choose.clarify(runner.run(catalog.designs(), scenarios,
                                        catalog.properties()))
    names = [s.name for s in scenarios]
    return {"text": report.compare_text(results, names, None, Show()),
            "markdown": markdown.compare(results, names, Show()),
            "json": report.to_json("compare", results),
            "html": html.compare(results, names, Show())}


def test_compare_takes_each_format(capsys):
    for fmt, start in (("markdown", "# einval compare\n"), ("html", "<!DOCTYPE html>")):
        assert compare(capsys, "--format", fmt).startswith(start)


def test_text_cells_are_one_word_with_a_footnote(outputs):
    out = outputs["text"]
    lines = out.splitlines()
    head = lines.index(next(line for line in lines if line.startswith("design ")))
    rows = lines[head + 2:lines.index("", head)]
    assert len(rows) >= 7
    for row in rows:
        for cell in re.split(r"\s{2,}", row.strip())[1:]:
            assert VERDICT_CELL.match(cell), cell
    notes = re.findall(r"\[(\d+)\]", "\n".join(rows))
    for n in notes:
        assert re.search(rf"^\[{n}\] \S+ violates \S+ in \S+$", out, re.M)
    assert all(len(line) <= 72 for line in lines)


def test_markdown_links_each_cell_to_its_footnote(outputs):
    out = outputs["markdown"]
    table = [line for line in out.splitlines() if line.startswith("| `")]
    links = re.findall(r"\[\[(\d+)\]\]\(#([^)]+)\)", "\n".join(table))
    assert links
    headings = {markdown.slug(h): h for h in re.findall(r"^### (.+)$", out, re.M)}
    for number, anchor in links:
        assert headings[anchor].startswith(f"[{number}] ")
    for line in table:
        cells = [c.strip() for c in line.strip("|").split(" | ")][1:]
        for cell in cells:
            assert re.match(r"^(holds|violated|unknown)( \[\[\d+\]\]\(#[\w-]+\))?$", cell)
    assert out.count("```text") == len(links)


def test_markdown_slugs_follow_github():
    assert markdown.slug("[3] stateful-get violates attribution in go-unpinned") == \
        "3-stateful-get-violates-attribution-in-go-unpinned"


def test_json_matches_the_table(outputs):
    doc = json.loads(outputs["json"])
    text = outputs["text"]
    violated = {(r["design"], r["property"]) for r in doc["results"]
                if r["verdict"] == "violated"}
    for design, prop in violated:
        assert re.search(rf"^\[\d+\] {re.escape(design)} violates {prop} in ", text, re.M)


def test_html_is_one_self_contained_file(outputs):
    page = outputs["html"]
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    assert re.findall(r'href="([^"]+)"', page) and all(
        h.startswith("#note-") for h in re.findall(r'href="([^"]+)"', page))
    assert page.count("<svg") == page.count('<section id="note-')


PROBE = """
<script>
const out = {};
out.rows = [...document.querySelectorAll('tbody tr')].map(
  tr => [...tr.children].map(c => c.innerText.trim()));
out.links = [...document.querySelectorAll('td a')].map(a => {
  const t = document.querySelector(a.getAttribute('href'));
  return [a.innerText, t ? t.querySelector('h2').innerText : null]; });
out.charts = [...document.querySelectorAll('svg')].map(svg => {
  const vb = svg.viewBox.baseVal, rects = [...svg.querySelectorAll('rect')];
  let overflow = 0, visible = 0;
  svg.querySelectorAll('text.act, text.chg').forEach(t => {
    const b = t.getBBox();
    if (b.width > 0) visible++;
    const box = rects.find(r => r.y.baseVal.value <= b.y &&
      b.y <= r.y.baseVal.value + r.height.baseVal.value &&
      r.x.baseVal.value <= b.x && b.x <= r.x.baseVal.value + r.width.baseVal.value);
    if (!box || b.x + b.width > box.x.baseVal.value + box.width.baseVal.value ||
        b.x + b.width > vb.width) overflow++;
  });
  return {visible, overflow, lanes: svg.querySelectorAll('text.lane').length}; });
const pre = document.createElement('pre');
pre.id = 'probe'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="chromium not installed (.ci/setup.d/report.sh installs it)")
def test_html_in_a_headless_browser(outputs, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(outputs["html"].replace("</body>", PROBE + "</body>"))
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-dev-shm-usage", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stderr[-2000:]
    seen = json.loads(htmllib.unescape(match.group(1)))
    assert seen["rows"][0] == ["4th-arg"] + ["holds"] * len(catalog.properties())
    assert all(VERDICT_CELL.match(c) for row in seen["rows"] for c in row[1:])
    for label, heading in seen["links"]:
        assert heading is not None and heading.startswith(label)
    assert seen["charts"] and len(seen["charts"]) == len(seen["links"])
    for chart in seen["charts"]:
        assert chart["visible"] > 0 and chart["overflow"] == 0 and chart["lanes"] >= 1


def test_compare_footnotes_as_lanes_fit_72_columns(capsys):
    out = compare(capsys, "--trace", "lanes")
    assert "     T1                                P1" in out
    assert all(len(line) <= 72 for line in out.splitlines())


def test_compare_refuses_a_one_trace_format(capsys):
    status = main(["compare", "--scenario", "bpf-fentry", "--trace", "itf"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("einval: error: argument --trace: invalid choice: 'itf'")
    assert err.count("\n") == 1
