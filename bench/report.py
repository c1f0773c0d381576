"""Turn the raw measurements of scripts/bench into bench/results.json and bench/results.md, and
print the table. Standard library only.

usage: report.py --raw DIR --out DIR --binary-bytes N [--build-seconds S --build-when T]
                 [--tools TEXT] [--machine TEXT] [--load TEXT]
"""
import argparse
import json
import os
import re
import statistics
import time

# What each stsenv measurement is, in table order.
STSENV = [
    ("true", "/bin/true", "the floor: exec of a process that does nothing"),
    ("stsenv-now", "stsenv now", "text, from the environment alone"),
    ("stsenv-now-prompt", "stsenv now --format prompt", "the prompt segment"),
    ("stsenv-switch-cached", "stsenv switch demo", "valid cached MFA session to shell code"),
    ("stsenv-mfa-cached", "stsenv mfa demo", "valid cached MFA session, no STS call"),
    ("stsenv-credential-process-cached", "stsenv credential-process demo",
     "credential_process JSON of the valid cached MFA session"),
    ("stsenv-list-1000", "stsenv list (1,000 accounts)", "1,000 key pairs and accounts-file entries"),
    ("stsenv-mfa-fresh", "stsenv mfa demo -c 123456 --force", "GetSessionToken against moto, cached"),
    ("stsenv-role-fresh", "stsenv role admin -a demo --force", "AssumeRole chained from the MFA session"),
    ("stsenv-credential-process-role", "stsenv credential-process demo --role admin",
     "AssumeRole chained from the cached MFA session (role cache cleared before each run)"),
    ("stsenv-mfa-fresh-tls", "stsenv mfa demo -c 123456 --force (TLS)",
     "GetSessionToken against moto over TLS, cached (AWS_CA_BUNDLE: the test CA alone)"),
    ("stsenv-role-fresh-tls", "stsenv role admin -a demo --force (TLS)",
     "AssumeRole chained from the MFA session, over TLS (AWS_CA_BUNDLE)"),
    ("stsenv-mfa-fresh-tls-system-store", "stsenv mfa demo -c 123456 --force (TLS, system store)",
     "as the TLS row, without AWS_CA_BUNDLE: the system store (SSL_CERT_FILE, with the test CA added) read and parsed"),
    ("moto-round-trip", "moto round trip (in-process)",
     "new TCP connection + unsigned GetSessionToken POST, timed inside one Python process"),
    ("moto-tls-round-trip", "moto TLS round trip (in-process)",
     "new TCP connection + TLS handshake (trusting the test CA alone) + the same POST, inside one Python process"),
    ("curl-moto", "curl -s -X POST (GetSessionToken)", "a curl process + the same unsigned request"),
    ("stsenv-server-request", "one request to the exec --server endpoint (in-process)",
     "warm cache: new TCP connection + GET with the token, timed inside the child (Python)"),
    ("shell-start-bare", "bash startup file: empty", "a bash that runs a startup file with nothing in it (one `:`)"),
    ("shell-start-init", "bash startup file: the init line", "eval \"$(stsenv init bash)\": the functions, "
     "stsenv's own completion a stub until the first Tab"),
    ("shell-start-eager", "bash startup file: the init line + stsenv completions bash",
     "the same with stsenv's completion loaded at start, as without the stub"),
]
# Timed around one request inside a process, not a process start: no ratio to /bin/true.
IN_PROCESS = {"stsenv-server-request"}
# Each target: measurement, limit, unit ('x' of /bin/true or 'ms').
TARGETS = [
    ("stsenv-now", 1.3, "x"),
    ("stsenv-switch-cached", 2.0, "x"),
    ("stsenv-mfa-fresh", 15.0, "ms"),
    ("stsenv-list-1000", 20.0, "ms"),
    ("stsenv-server-request", 1.0, "ms"),
    ("stsenv-credential-process-cached", 2.0, "x"),
]
# Each ratio target: measurement, the floor it is divided by, limit (x of the floor).
RATIO_TARGETS = [
    ("stsenv-mfa-fresh", "moto-round-trip", 1.5),
    ("stsenv-mfa-fresh-tls", "moto-tls-round-trip", 1.3),
]
# The differences of two rows in the report: result key, what it is.
DIFFERENCES = [
    ("stsenv_mfa_fresh_minus_round_trip_ms", "stsenv mfa fresh minus one in-process moto round trip"),
    ("stsenv_mfa_fresh_tls_minus_tls_round_trip_ms",
     "stsenv mfa fresh over TLS minus one in-process moto TLS round trip"),
    ("system_store_cost_ms",
     "the system store's cost (stsenv-mfa-fresh-tls-system-store minus stsenv-mfa-fresh-tls)"),
    ("init_line_ms", "the init line's cost to a bash start (shell-start-init minus shell-start-bare)"),
    ("eager_completion_ms", "what loading stsenv's completion at start would add (shell-start-eager minus "
     "shell-start-init; the stub loads it on the first Tab instead)"),
]
# The clean release build (`cargo install`'s first contact), seconds on the bench machine.
BUILD_SECONDS = 150.0
LOADER_FILE = re.compile(r"^(/etc/ld\.so\.(cache|preload)|(/usr)?/lib(32|64)?(/[^/]+)*/lib[^/]*\.so(\.[0-9]+)*)$")


def stats(times):
    times = sorted(t * 1000 for t in times)
    q = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
    return {"median_ms": statistics.median(times), "p25_ms": q[0], "p75_ms": q[2],
            "min_ms": times[0], "max_ms": times[-1], "runs": len(times)}


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--binary-bytes", type=int, required=True)
    parser.add_argument("--build-seconds", default="")
    parser.add_argument("--build-when", default="")
    parser.add_argument("--tools", default="")
    parser.add_argument("--machine", default="")
    parser.add_argument("--load", default="")
    args = parser.parse_args()
    raw = args.raw

    measured = {}
    for name in os.listdir(raw):
        if name.endswith(".json"):
            with open(os.path.join(raw, name)) as f:
                for result in json.load(f)["results"]:
                    measured[name[:-5]] = stats(result["times"])

    rows = []
    floor = measured["true"]["median_ms"]
    for key, command, what in STSENV:
        if key not in measured:
            continue
        row = dict(measured[key], key=key, command=command, what=what, group="floor" if key == "true" else
                   ("moto" if key in ("moto-round-trip", "moto-tls-round-trip", "curl-moto") else "stsenv"))
        if row["group"] == "stsenv" and key not in IN_PROCESS:
            row["x_true"] = row["median_ms"] / floor
        rows.append(row)

    peers = {name: (where, desc) for name, where, desc in read_tsv(os.path.join(raw, "peers.txt"))}
    status = {(p, c): s for p, c, s in read_tsv(os.path.join(raw, "peer-status.txt"))}
    problems = []
    for name, (where, desc) in peers.items():
        if where == "unavailable":
            problems.append("%s: %s" % (name, desc))
    for peer, case, equivalent, command, note in read_tsv(os.path.join(raw, "peer-commands.txt")):
        key = "%s-%s" % (peer, case)
        state = status.get((peer, case), "not run")
        if state != "ok" or key not in measured:
            problems.append("%s %s: %s (no number)" % (peer, case, state))
            continue
        command = re.sub(r"^\S*/bin/", "", command).replace(" <" + os.path.dirname(raw) + "/code", " <code")
        command = re.sub(r"/\S*/code\b", "code", command)
        if case.endswith("-tls"):
            command += " (TLS)"
        row = dict(measured[key], key=key, command=command, what="%s (%s)" % (note, peers[peer][1]),
                   group="peer", equivalent=equivalent)
        if equivalent in measured:
            row["x_stsenv"] = row["median_ms"] / measured[equivalent]["median_ms"]
        rows.append(row)

    # The prompt function, in one bash process.
    loop = {}
    processes = None
    no_fork = {}
    for line in open(os.path.join(raw, "prompt-loop.txt")):
        label, value = line.split()
        if label == "processes":
            processes = int(value)
        elif label.startswith("processes-no-fork-"):
            no_fork[label[len("processes-no-fork-"):]] = int(value)
        else:
            loop.setdefault(label, []).append(int(value) / 1000)
    prompt = {label: {"median_us": statistics.median(v), "min_us": min(v), "max_us": max(v), "batches": len(v)}
              for label, v in loop.items()}
    prompt["processes_started_by_10_calls"] = processes
    prompt["processes_started_by_10_no_fork_prompts"] = no_fork

    memory = {name: int(kb) for name, kb in read_tsv(os.path.join(raw, "memory.txt"))}

    opened, network = [], []
    for line in open(os.path.join(raw, "now-syscalls.txt")):
        m = re.search(r'\b(openat|open)\((?:AT_FDCWD, )?"([^"]*)"', line)
        if m:
            opened.append((m.group(2), "ENOENT" not in line))
        elif re.search(r"\b(socket|connect)\(", line):
            network.append(line.strip())
    extra = [path for path, _ in opened if not LOADER_FILE.match(path)]
    syscalls = {"pass": not extra and not network, "opened": [p for p, ok in opened if ok],
                "tried": [p for p, ok in opened if not ok], "not_loader": extra, "network": network}

    previous = {}
    results_json = os.path.join(args.out, "results.json")
    if os.path.exists(results_json):
        with open(results_json) as f:
            previous = json.load(f)
    if args.build_seconds:
        build = {"seconds": float(args.build_seconds), "measured_at": args.build_when, "this_run": True}
    else:
        earlier = previous.get("clean_release_build")
        build = dict(earlier, this_run=False) if earlier and "seconds" in earlier else None

    targets = []
    by_key = {row["key"]: row for row in rows}
    for key, limit, unit in TARGETS:
        if key not in by_key:
            continue
        value = by_key[key]["x_true"] if unit == "x" else by_key[key]["median_ms"]
        targets.append({"measurement": key, "limit": limit, "unit": unit, "value": value, "met": value <= limit})
    # credential_process --role chained from the cached session: at most the fresh `role` figure.
    if "stsenv-role-fresh" in by_key:
        limit = by_key["stsenv-role-fresh"]["median_ms"]
        row = by_key.get("stsenv-credential-process-role")
        targets.append({"measurement": "stsenv-credential-process-role", "limit": limit, "unit": "ms",
                        "versus": "stsenv-role-fresh", "value": row["median_ms"] if row else None,
                        "met": bool(row) and row["median_ms"] <= limit})
    targets.append({"measurement": "stsenv_prompt processes", "limit": 0, "unit": "processes",
                    "value": processes, "met": processes == 0})
    for shell, started in no_fork.items():
        targets.append({"measurement": "no-fork prompt processes (%s, 10 prompts)" % shell, "limit": 0,
                        "unit": "processes", "value": started, "met": started == 0})
    # A clean release build on this machine, from a fresh target directory (--build-time).
    if build:
        targets.append({"measurement": "clean release build" + ("" if build.get("this_run") else " (earlier run)"),
                        "limit": BUILD_SECONDS, "unit": "s", "value": build["seconds"],
                        "met": build["seconds"] <= BUILD_SECONDS})
    # A fresh session against its floor, one round trip timed inside one process (plain, TLS).
    for key, floor_key, limit in RATIO_TARGETS:
        if key in by_key and floor_key in by_key:
            value = by_key[key]["median_ms"] / by_key[floor_key]["median_ms"]
            targets.append({"measurement": key, "limit": limit, "unit": "x", "versus": floor_key,
                            "value": value, "met": value <= limit})

    def minus(key, other):
        if key in by_key and other in by_key:
            return by_key[key]["median_ms"] - by_key[other]["median_ms"]
        return None

    own = minus("stsenv-mfa-fresh", "moto-round-trip")
    own_tls = minus("stsenv-mfa-fresh-tls", "moto-tls-round-trip")
    # What trusting the system store (no AWS_CA_BUNDLE) costs a fresh session over TLS.
    system_store = minus("stsenv-mfa-fresh-tls-system-store", "stsenv-mfa-fresh-tls")
    # What the init line adds to a shell's start, and what loading the completion at once would.
    init_line = minus("shell-start-init", "shell-start-bare")
    eager_completion = minus("shell-start-eager", "shell-start-init")

    result = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": args.machine, "load_average_at_end": args.load, "tools": args.tools,
        "rows": rows, "prompt_function": prompt, "peak_memory_kb": memory,
        "binary_bytes": args.binary_bytes, "clean_release_build": build, "now_syscalls": syscalls,
        "targets": targets, "stsenv_mfa_fresh_minus_round_trip_ms": own,
        "stsenv_mfa_fresh_tls_minus_tls_round_trip_ms": own_tls, "system_store_cost_ms": system_store,
        "init_line_ms": init_line, "eager_completion_ms": eager_completion,
        "peer_problems": problems,
    }
    with open(results_json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    md = markdown(result)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(md)
    print(md)


def ms(value):
    return "%.2f" % value if value < 10 else "%.1f" % value if value < 100 else "%.0f" % value


def markdown(r):
    out = ["Measured %s on %s (load average at the end: %s); %s." % (
        r["generated_at"], r["machine"], r["load_average_at_end"], r["tools"]), ""]
    out += ["| command | what | median ms | spread ms (p25-p75) | runs | vs /bin/true | vs stsenv |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in r["rows"]:
        out.append("| `%s` | %s | %s | %s-%s | %d | %s | %s |" % (
            row["command"], row["what"], ms(row["median_ms"]), ms(row["p25_ms"]), ms(row["p75_ms"]), row["runs"],
            "%.2fx" % row["x_true"] if "x_true" in row else "",
            "%.0fx `%s`" % (row["x_stsenv"], row["equivalent"]) if "x_stsenv" in row else ""))
    p = r["prompt_function"]
    out += ["", "Prompt segment, per call, measured inside one bash with `EPOCHREALTIME` around loops "
            "(median of 5 batches, min-max):", "",
            "| call | per call (us) | min-max (us) |", "| --- | ---: | ---: |"]
    labels = {"function": "`stsenv_prompt` (function, no process)",
              "function-in-subshell": "`$(stsenv_prompt)` (as in PS1: a fork of bash, no exec)",
              "binary": "`$(stsenv now --format prompt)` (fork + exec)",
              "ps1-subshell": "prompt `PS1='$(stsenv_prompt) \\$ '` drawn (`${PS1@P}`: a fork of bash)",
              "ps1-no-fork": "prompt of the no-fork recipe drawn (`stsenv_prompt_update`, then `${PS1@P}`)"}
    for key, label in labels.items():
        if key in p:
            out.append("| %s | %.1f | %.1f-%.1f |" % (label, p[key]["median_us"], p[key]["min_us"], p[key]["max_us"]))
    out += ["", "Processes started by 10 calls of `stsenv_prompt` (strace, clone/fork/execve): %s." %
            p["processes_started_by_10_calls"], ""]
    if p.get("processes_started_by_10_no_fork_prompts"):
        out += ["Processes started by 10 prompts of the no-fork recipes, interactive shells (strace): " +
                ", ".join("%s %d" % kv for kv in p["processes_started_by_10_no_fork_prompts"].items()) + ".", ""]
    mem = r["peak_memory_kb"]
    out.append("Peak memory (max RSS of 5 runs, GNU time): " + ", ".join(
        "%s %.1f MB" % (k, v / 1024) for k, v in mem.items()) + ".")
    out.append("")
    out.append("Release binary: %.1f MB (stripped; %s link)." % (r["binary_bytes"] / 1e6, os.environ.get("BENCH_LINKED", "dynamic")))
    b = r["clean_release_build"]
    if b:
        out.append("Clean release build: %.0f s (%s%s)." % (
            b["seconds"], "measured in this run" if b.get("this_run") else "from an earlier run with --build-time",
            ", " + b["measured_at"] if b.get("measured_at") else ""))
    else:
        out.append("Clean release build: not measured yet (run scripts/bench --build-time).")
    s = r["now_syscalls"]
    out += ["", "strace of `stsenv now` (openat, open, connect, socket): **%s**. Opened: %s%s%s." % (
        "PASS" if s["pass"] else "FAIL", ", ".join("`%s`" % x for x in s["opened"]) or "no file at all",
        "; beyond the loader: " + ", ".join("`%s`" % x for x in s["not_loader"]) if s["not_loader"] else "",
        "; network: " + "; ".join(s["network"]) if s["network"] else "; no socket, no connect")]
    out += ["", "Targets:", ""]
    for t in r["targets"]:
        if t.get("versus") and t["unit"] == "x":
            text = "%s: %.2fx %s (target at most %.1fx)" % (t["measurement"], t["value"], t["versus"], t["limit"])
        elif t.get("versus"):
            text = "%s: %s (target at most %s, %s ms)" % (
                t["measurement"], "%s ms" % ms(t["value"]) if t["value"] is not None else "not measured",
                t["versus"], ms(t["limit"]))
        elif t["unit"] == "x":
            text = "%s: %.2fx /bin/true (target at most %.1fx)" % (t["measurement"], t["value"], t["limit"])
        elif t["unit"] == "s":
            text = "%s: %.0f s (target at most %.0f s)" % (t["measurement"], t["value"], t["limit"])
        elif t["unit"] == "ms":
            text = "%s: %s ms (target at most %.0f ms)" % (t["measurement"], ms(t["value"]), t["limit"])
        else:
            text = "%s: %s (target 0)" % (t["measurement"], t["value"])
        out.append("- %s %s" % ("met:" if t["met"] else "MISSED:", text))
    # The differences of two rows, each with what it means.
    for key, label in DIFFERENCES:
        if r.get(key) is not None:
            out.append("- %s: %s ms" % (label, ms(r[key])))
    if r["peer_problems"]:
        out += ["", "Peers without a number:", ""] + ["- " + x for x in r["peer_problems"]]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
