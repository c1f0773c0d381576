"""Run a command with its controlling terminal on a pseudo-terminal and stdout on a pipe; type
$PTY_ANSWER when the prompt appears; print JSON {status, stdout, terminal}."""
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
    # Opening the pty as the first terminal of a new session makes it the controlling one.
    fd = os.open(slave_name, os.O_RDWR)
    os.close(fd)


proc = subprocess.Popen(
    sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    preexec_fn=child_setup,
)
# The parent keeps the slave open, so reading the master never fails with EIO between the
# child's opens of /dev/tty.
seen = b""
answered = False
deadline = time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.1)
    if ready:
        try:
            data = os.read(master, 1024)
        except OSError:
            break
        seen += data
        if not answered and b":" in seen:
            os.write(master, (os.environ.get("PTY_ANSWER", "") + "\n").encode())
            answered = True
    if proc.poll() is not None and not ready:
        break
out, err = proc.communicate(timeout=20)
os.close(slave)
print(json.dumps({"status": proc.returncode, "stdout": out.decode(), "stderr": err.decode(),
                  "terminal": seen.decode(errors="replace")}))
