#!/usr/bin/env python3
"""Parsers and the result table for bench/run (stdlib only).

  report.py iperf FILE          receiver Gbit/s from `iperf3 -J` output, or n/a
  report.py redis FILE          "SET_RPS GET_RPS" from `redis-benchmark -q` output (n/a if absent)
  report.py field FILE KEY      one field of a one-line JSON object, or n/a
  report.py render ROWS OUT_JSON PREV_JSON KEY=VALUE...
                                print the table of ROWS (TSV written by bench/run) with a
                                comparison against PREV_JSON, and write OUT_JSON

ROWS columns: id, part, label, value, unit, target, note. A target is an operator and a number
(">=1", "<100", "<=30"); the table says whether the value meets it.
"""
import json
import operator
import re
import sys

OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def parse_iperf(path):
    try:
        with open(path) as f:
            data = json.load(f)
        if data.get("error"):
            return "n/a"
        return f"{data['end']['sum_received']['bits_per_second'] / 1e9:.2f}"
    except (OSError, ValueError, KeyError):
        return "n/a"


def parse_redis(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return "n/a n/a"
    # -q prints progress lines ending in \r, then one final line per test.
    rates = {}
    for name, rate in re.findall(r"(SET|GET): ([0-9.]+) requests per second", text):
        rates[name] = rate
    return f"{rates.get('SET', 'n/a')} {rates.get('GET', 'n/a')}"


def parse_field(path, key):
    try:
        with open(path) as f:
            value = json.loads(f.read().strip().splitlines()[-1])[key]
        return str(value)
    except (OSError, ValueError, KeyError, IndexError):
        return "n/a"


def as_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def meets(value, target):
    match = re.fullmatch(r"(>=|<=|>|<)\s*(-?[0-9.]+)", target.strip())
    number = as_number(value)
    if not match or number is None:
        return ""
    return "yes" if OPERATORS[match.group(1)](number, float(match.group(2))) else "NO"


def read_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            fields += [""] * (7 - len(fields))
            ident, part, label, value, unit, target, note = fields[:7]
            rows.append({"id": ident, "part": part, "label": label, "value": value,
                         "unit": unit, "target": target, "note": note,
                         "meets_target": meets(value, target)})
    return rows


def previous_values(path):
    try:
        with open(path) as f:
            return {row["id"]: row["value"] for row in json.load(f)["rows"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def render(rows_path, out_path, prev_path, meta_args):
    rows = read_rows(rows_path)
    prev = previous_values(prev_path)
    meta = dict(arg.split("=", 1) for arg in meta_args)
    header = ["part", "measure", "value", "unit", "target", "ok", "previous", "note"]
    table = [header]
    for row in rows:
        table.append([row["part"], row["label"], row["value"], row["unit"], row["target"],
                      row["meets_target"], prev.get(row["id"], ""), row["note"]])
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    for index, line in enumerate(table):
        cells = [cell.ljust(width) for cell, width in zip(line, widths)]
        print("  ".join(cells + [line[-1]]).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths) + "  ----")
    missed = [row["label"] for row in rows if row["meets_target"] == "NO"]
    print(f"\ntargets met: {sum(r['meets_target'] == 'yes' for r in rows)}, "
          f"missed: {len(missed)}" + (f" ({'; '.join(missed)})" if missed else ""))
    with open(out_path, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
        f.write("\n")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "iperf":
        print(parse_iperf(args[0]))
    elif command == "redis":
        print(parse_redis(args[0]))
    elif command == "field":
        print(parse_field(args[0], args[1]))
    elif command == "render":
        render(args[0], args[1], args[2], args[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
