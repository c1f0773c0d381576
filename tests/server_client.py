"""A child of `stsenv exec --server`: asks the credential server as SDKs do, and as an attacker
would, and prints what it saw as one JSON object.

usage: server_client.py probe        statuses and bodies for missing, wrong and right tokens
       server_client.py boto3        GetCallerIdentity with boto3's default chain
       server_client.py renew UNTIL [--no-cli]
                                     fetch + AWS CLI call + boto3 call, sleep until UNIX time
                                     UNTIL, then 8 fetches at once + an AWS CLI call + a call
                                     of the same boto3 client
"""
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

URL = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
TOKEN = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]


def ask(headers, path=None, method="GET"):
    """One request with exactly these headers (a list of pairs, repeats allowed)."""
    url = urllib.parse.urlsplit(URL)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest(method, path or url.path)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return {"status": response.status, "body": body}


def listening(port):
    """The local addresses of the sockets listening on `port` (Linux /proc/net), in hex."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":
                found.append(address)
    return found


def fetch():
    answer = ask([("Authorization", TOKEN)])
    assert answer["status"] == 200, answer
    return json.loads(answer["body"])


def cli_arn():
    out = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"],
        capture_output=True, text=True,
    )
    return {"status": out.returncode, "arn": out.stdout.strip(), "stderr": out.stderr}


def main():
    what = sys.argv[1]
    if what == "probe":
        result = {
            "url": URL,
            "listening": listening(urllib.parse.urlsplit(URL).port),
            "token_length": len(TOKEN),
            "none": ask([]),
            "empty": ask([("Authorization", "")]),
            "wrong": ask([("Authorization", "0" * len(TOKEN))]),
            "longer": ask([("Authorization", TOKEN + "0")]),
            "prefix": ask([("Authorization", TOKEN[:-1])]),
            "upper": ask([("Authorization", TOKEN.upper())]),
            "twice": ask([("Authorization", TOKEN), ("Authorization", TOKEN)]),
            "bearer": ask([("Authorization", "Bearer " + TOKEN)]),
            "other_path_no_token": ask([], path="/"),
            "right": ask([("Authorization", TOKEN)]),
            "post": ask([("Authorization", TOKEN)], method="POST"),
        }
    elif what == "boto3":
        import boto3

        session = boto3.Session()
        credentials = session.get_credentials()
        arn = session.client("sts").get_caller_identity()["Arn"]
        result = {"arn": arn, "method": credentials.method, "access_key": credentials.access_key}
    elif what == "renew":
        until = float(sys.argv[2])
        cli = "--no-cli" not in sys.argv
        first_at = time.time()
        first = fetch()
        first_cli = cli_arn() if cli else None
        if cli:
            # One boto3 client for the whole run, as a long-running service keeps.
            import boto3

            session = boto3.Session()
            sts = session.client("sts")
            sts.get_caller_identity()
            boto3_keys = [session.get_credentials().get_frozen_credentials().access_key]
        first_done_at = time.time()
        time.sleep(max(0.0, until - time.time()))
        # Concurrent requests during the renewal: each waits for it and gets its result.
        seconds = [None] * 8

        def one(i):
            seconds[i] = fetch()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(seconds))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        second_cli = cli_arn() if cli else None
        if cli:
            # botocore refreshes inside its own window (15 minutes): it asks the server again.
            sts.get_caller_identity()
            boto3_keys.append(session.get_credentials().get_frozen_credentials().access_key)
        result = {"first_at": first_at, "first_done_at": first_done_at, "first": first, "first_cli": first_cli,
                  "second": seconds[0], "seconds": seconds, "second_cli": second_cli,
                  "boto3_keys": boto3_keys if cli else None}
    else:
        raise SystemExit(f"unknown command {what}")
    print(json.dumps(result))


main()
