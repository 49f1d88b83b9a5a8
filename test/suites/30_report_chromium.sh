#!/usr/bin/env bash
# The HTML report in a real browser: generated metrics with planted anomalies
# (a critical zero day and a warning drop on one metric, a warning spike on
# another, a suppressed spike inside a known event), checked with run_checks'
# own function, the report written by make demo's generator
# (demo/report_html.sql), then headless Chromium:
#   --dump-dom   the SVG charts are in the page with non-empty paths and one
#                marker per alert of each chart's period; a small script added
#                to a copy of the page records where each plot area lands;
#   --screenshot each plot area is not empty (enough non-background pixels),
#                the line colour is there, and the colour of every severity
#                marked in that chart is there.
# Runs after pg_regress against the same cluster (PGHOST, PGPORT, PGUSER,
# PGDATABASE, SUITE_TMP set by test/run_tests.sh); removes what it creates.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
psql=("$("$PG_CONFIG" --bindir)/psql" -X -q -v ON_ERROR_STOP=1)
tmp=${SUITE_TMP:?SUITE_TMP must be set (run through test/run_tests.sh)}
mkdir -p "$tmp"

fail() { echo "30_report_chromium: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed (test/install_deps.sh installs it)"
/usr/bin/python3 -c 'import PIL' 2>/dev/null || fail "python3-pil is not installed (test/install_deps.sh installs it)"

cleanup() {
  "${psql[@]}" -c "DELETE FROM anomaly.metrics WHERE name IN ('rt_revenue', 'rt_latency');
                   DELETE FROM anomaly.expected_events WHERE name = 'rt: launch party';
                   DROP SCHEMA IF EXISTS report_test CASCADE;" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

# 120 days from 2024-01-01 (last day Apr 29). rt_revenue (more is better): a
# weekly pattern, a drop to 55 % on Apr 5 (warning), a spike on Mar 1 inside
# the known event "rt: launch party" (suppressed), zero on the last day (critical,
# still open). rt_latency (less is better): a spike on the last day (warning, open).
"${psql[@]}" -o /dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA report_test;
CREATE TABLE report_test.daily (metric text, day date, value float8, PRIMARY KEY (metric, day));
INSERT INTO report_test.daily
SELECT 'rt_revenue', d::date,
       CASE d::date WHEN '2024-04-05' THEN 0.55 WHEN '2024-03-01' THEN 2.2 WHEN '2024-04-29' THEN 0 ELSE 1 END
       * (50000 + 4000 * sin(2 * pi() * i / 7) + 1500 * ((i * 37) % 11 - 5) / 5.0)
FROM generate_series(timestamp '2024-01-01', '2024-04-29', '1 day') WITH ORDINALITY AS g(d, i);
INSERT INTO report_test.daily
SELECT 'rt_latency', d::date, CASE d::date WHEN '2024-04-29' THEN 400 ELSE 140 + (i * 13) % 9 END
FROM generate_series(timestamp '2024-01-01', '2024-04-29', '1 day') WITH ORDINALITY AS g(d, i);
SELECT anomaly.add_metric(n, 'report_test.daily'::regclass, 'day', 'value', '1 day', good_direction => g,
                          filter => jsonb_build_object('metric', n), description => 'report test: ' || n)
FROM (VALUES ('rt_revenue', 'up'), ('rt_latency', 'down')) AS v(n, g);
INSERT INTO anomaly.expected_events (name, during, affected_metrics)
VALUES ('rt: launch party', '[2024-03-01, 2024-03-02)', ARRAY['rt_revenue']);
SELECT anomaly.check_metric(n, '2024-04-30') FROM unnest(ARRAY['rt_revenue', 'rt_latency']) AS n;
SQL

# What the charts must show: per metric, the severities of the alerts whose
# peak is in the chart's period (the last 90 days: Jan 31 .. Apr 29), and the
# open alerts.
expected=$("${psql[@]}" -At -F ' ' -c "
  SELECT m.name, count(*) FILTER (WHERE l.peak_ts >= '2024-01-31'),
         string_agg(DISTINCT CASE WHEN l.status = 'suppressed' THEN 'suppressed' ELSE l.severity END, ',')
           FILTER (WHERE l.peak_ts >= '2024-01-31'),
         count(*) FILTER (WHERE l.status IN ('triggered', 'investigating', 'escalated'))
  FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
  WHERE m.name IN ('rt_revenue', 'rt_latency') GROUP BY m.name ORDER BY m.name")
grep -q '^rt_revenue .* critical' <<<"$expected" || fail "setup: rt_revenue has no critical alert: $expected"
grep -q '^rt_latency .* warning' <<<"$expected" || fail "setup: rt_latency has no warning alert: $expected"

# The report, by the demo's generator.
"${psql[@]}" -v title='report test' -f "$root/demo/report_html.sql" -o "$tmp/report.html"
# A copy with a script that records each plot area's box (CSS px) on its svg.
/usr/bin/python3 - "$tmp/report.html" "$tmp/measured.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
script = """<script>
for (const svg of document.querySelectorAll('figure.chart svg')) {
  const r = svg.querySelector('rect.plot-area').getBoundingClientRect();
  svg.setAttribute('data-plot', [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round).join(','));
}
document.body.setAttribute('data-height', Math.ceil(document.documentElement.scrollHeight));
</script>"""
assert page.count("</body>") == 1, "the report must have one </body>"
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", script + "</body>"))
PY

chrome=(timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1
        --no-first-run --user-data-dir="$tmp/chrome" --window-size=1000,900)
"${chrome[@]}" --dump-dom "file://$tmp/measured.html" >"$tmp/dom.html" 2>"$tmp/chrome.log" \
  || { tail -n 20 "$tmp/chrome.log"; fail "chromium --dump-dom failed"; }
height=$(grep -o 'data-height="[0-9]*"' "$tmp/dom.html" | grep -o '[0-9]*' || true)
[ -n "$height" ] || fail "the page did not record its height (did the script run?)"
chrome[-1]="--window-size=1000,$height"
"${chrome[@]}" --screenshot="$tmp/report.png" "file://$tmp/measured.html" >>"$tmp/chrome.log" 2>&1 \
  || { tail -n 20 "$tmp/chrome.log"; fail "chromium --screenshot failed"; }

/usr/bin/python3 - "$tmp/dom.html" "$tmp/report.png" "$expected" <<'PY'
import re, sys
from html.parser import HTMLParser
from PIL import Image

dom_path, png_path, expected_text = sys.argv[1:4]
expected = {}
for line in expected_text.splitlines():
    name, in_period, severities, open_alerts = line.split(" ")
    expected[name] = (int(in_period), set(severities.split(",")), int(open_alerts))

class Charts(HTMLParser):
    """Each <svg> of the page: its title, plot box, paths and marker classes."""
    def __init__(self):
        super().__init__()
        self.charts, self.cur, self.in_title = [], None, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.cur = {"plot": a.get("data-plot"), "title": "", "paths": {}, "marks": []}
            self.charts.append(self.cur)
        elif self.cur is not None:
            cls = a.get("class", "")
            if tag == "path":
                self.cur["paths"][cls] = a.get("d", "")
            elif tag == "circle" and cls.startswith("mark "):
                self.cur["marks"].append(cls.split()[1][len("mark-"):])
            elif tag == "text" and cls == "chart-title":
                self.in_title = True
    def handle_endtag(self, tag):
        if tag == "svg":
            self.cur = None
        elif tag == "text":
            self.in_title = False
    def handle_data(self, data):
        if self.in_title and self.cur is not None:
            self.cur["title"] += data

parser = Charts()
parser.feed(open(dom_path, encoding="utf-8").read())
charts = {c["title"].split(" ")[0]: c for c in parser.charts}
img = Image.open(png_path).convert("RGB")
COLOURS = {"line": (0x1f, 0x3f, 0x73), "critical": (0xd6, 0x27, 0x28), "warning": (0xff, 0x8c, 0x00),
           "info": (0x8e, 0x44, 0xad), "suppressed": (0x8c, 0x8c, 0x8c)}
BAND = (213, 230, 243)  # #a6cbe8 at opacity 0.45 over the plot background #fcfcfd

def near(p, c, tol=24):
    return all(abs(a - b) <= tol for a, b in zip(p, c))

failures = []
for name, (in_period, severities, open_alerts) in sorted(expected.items()):
    if open_alerts == 0:
        continue
    c = charts.get(name)
    if c is None:
        failures.append(f"{name}: no chart in the page (charts: {sorted(charts)})")
        continue
    line = c["paths"].get("series-line", "")
    if line.count("L") < 60:
        failures.append(f"{name}: the line has {line.count('L')} segments, expected about 90")
    if not c["paths"].get("band"):
        failures.append(f"{name}: no band path")
    if len(c["marks"]) != in_period:
        failures.append(f"{name}: {len(c['marks'])} markers, {in_period} alerts in the period")
    if set(c["marks"]) != severities:
        failures.append(f"{name}: marker severities {sorted(set(c['marks']))}, alerts {sorted(severities)}")
    if not c["plot"]:
        failures.append(f"{name}: the plot area was not measured")
        continue
    x, y, w, h = map(int, c["plot"].split(","))
    region = img.crop((x + 1, y + 1, x + w - 1, y + h - 1))  # inside the frame
    pixels = list(region.getdata())
    ink = sum(1 for p in pixels if min(p) < 200)  # darker than the grid (230) and the band (213)
    counts = {k: sum(1 for p in pixels if near(p, col)) for k, col in COLOURS.items()}
    band = sum(1 for p in pixels if near(p, BAND, 10))
    print(f"{name}: plot {w}x{h} at ({x},{y}); drawn {ink / len(pixels):.1%}; band {band / len(pixels):.1%}; "
          f"colour pixels {counts}")
    if ink < 0.005 * len(pixels):
        failures.append(f"{name}: the plot area is nearly empty ({ink} of {len(pixels)} pixels drawn)")
    if band < 0.02 * len(pixels):
        failures.append(f"{name}: the normal range band covers only {band} pixels")
    if counts["line"] < 300:
        failures.append(f"{name}: the line colour covers only {counts['line']} pixels")
    for sev in severities:
        if counts[sev] < 12:
            failures.append(f"{name}: the {sev} marker colour covers only {counts[sev]} pixels")

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"30_report_chromium: {len(parser.charts)} chart(s) rendered and checked")
PY
