"""Draw bench/chart.svg from bench/results.json: one horizontal bar per measurement, median in
milliseconds on a log scale, with the p25-p75 spread as a whisker. Standard library only.

usage: chart.py RESULTS_JSON OUT_SVG
"""
import json
import math
import sys
from xml.sax.saxutils import escape

COLOURS = {"floor": "#9e9e9e", "stsenv": "#1f77b4", "moto": "#bdbdbd", "peer": "#d62728"}
LEGEND = [("stsenv", "stsenv"), ("peer", "Python peers"), ("floor", "/bin/true"), ("moto", "moto round trip")]


def main():
    results = json.load(open(sys.argv[1]))
    rows = results["rows"]
    label_w, bar_w, row_h, top = 330, 520, 22, 58
    lo, hi = 0.1, 10 ** math.ceil(math.log10(max(r["p75_ms"] for r in rows) * 1.2))
    x = lambda ms: label_w + bar_w * (math.log10(max(ms, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    height = top + row_h * len(rows) + 40
    width = label_w + bar_w + 110
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="12">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="15" font-weight="bold">stsenv vs /bin/true and the Python tools '
           '(median ms, log scale; whisker p25-p75)</text>']
    lx = 10
    for group, text in LEGEND:
        svg.append('<rect x="%d" y="30" width="12" height="12" fill="%s"/>' % (lx, COLOURS[group]))
        svg.append('<text x="%d" y="40">%s</text>' % (lx + 16, escape(text)))
        lx += 30 + 7 * len(text)
    decade = lo
    while decade <= hi * 1.001:
        gx = x(decade)
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e0e0e0"/>' % (gx, top - 6, gx, height - 34))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%g ms</text>' % (gx, height - 20, decade))
        decade *= 10
    for i, row in enumerate(rows):
        y = top + i * row_h
        label = row["command"] if len(row["command"]) <= 48 else row["command"][:46] + "..."
        svg.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_w - 8, y + 14, escape(label)))
        svg.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (
            label_w, y + 3, x(row["median_ms"]) - label_w, row_h - 6, COLOURS[row["group"]]))
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>' % (
            x(row["p25_ms"]), y + row_h / 2, x(row["p75_ms"]), y + row_h / 2))
        svg.append('<text x="%.1f" y="%d">%s ms</text>' % (
            max(x(row["median_ms"]), x(row["p75_ms"])) + 5, y + 14,
            "%.2f" % row["median_ms"] if row["median_ms"] < 10 else "%.0f" % row["median_ms"]))
    svg.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
