"""Run an interactive shell on a pseudo-terminal and type into it, as a person does: each string
of the JSON list $PTY_KEYS is written once the terminal has been quiet for a moment (so a Tab's
completion is drawn before the next key). Print everything the terminal showed, as text."""
import json
import os
import pty
import select
import subprocess
import sys
import time

master, slave = pty.openpty()
slave_name = os.ttyname(slave)


def child_setup():
    os.setsid()
    fd = os.open(slave_name, os.O_RDWR)
    os.close(fd)


proc = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup)
keys = json.loads(os.environ.get("PTY_KEYS", "[]"))
seen = b""
deadline = time.time() + 30


def drain(quiet):
    """Read until the terminal has been quiet for `quiet` seconds (or the shell is gone)."""
    global seen
    last = time.time()
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            seen += data
            last = time.time()
            # A line editor that asks where the cursor is (nushell's reedline: ESC [ 6 n) waits
            # for the answer a terminal gives: say row 1, column 1.
            if b"\x1b[6n" in data:
                os.write(master, b"\x1b[1;1R" * data.count(b"\x1b[6n"))
        elif time.time() - last >= quiet or proc.poll() is not None:
            return


drain(0.5)
for chunk in keys:
    os.write(master, chunk.encode())
    drain(0.5)
try:
    proc.wait(timeout=max(1, deadline - time.time()))
except subprocess.TimeoutExpired:
    proc.kill()
drain(0.2)
os.close(slave)
print(seen.decode(errors="replace"))
