"""Run a command with its controlling terminal on a pseudo-terminal and stdout on a pipe; type
$PTY_ANSWER when the prompt appears; print JSON {status, stdout, terminal}.

$PTY_ANSWERS (a JSON list) types each answer in turn, one for each prompt (text ending in ':').
$PTY_STDOUT=1 puts stdout and stderr on the terminal too, as when a command is typed at a
prompt; then everything it printed is in "terminal"."""
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


on_terminal = os.environ.get("PTY_STDOUT") == "1"
answers = (json.loads(os.environ["PTY_ANSWERS"]) if "PTY_ANSWERS" in os.environ
           else [os.environ.get("PTY_ANSWER", "")])
proc = subprocess.Popen(
    sys.argv[1:], stdin=subprocess.DEVNULL,
    stdout=slave if on_terminal else subprocess.PIPE,
    stderr=slave if on_terminal else subprocess.PIPE,
    preexec_fn=child_setup,
)
# The parent keeps the slave open, so reading the master never fails with EIO between the
# child's opens of /dev/tty.
seen = b""
answered = 0
since = 0
deadline = time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.1)
    if ready:
        try:
            data = os.read(master, 1024)
        except OSError:
            break
        seen += data
        if answered < len(answers) and b":" in seen[since:]:
            os.write(master, (answers[answered] + "\n").encode())
            answered += 1
            since = len(seen)
    if proc.poll() is not None and not ready:
        break
try:
    out, err = proc.communicate(timeout=20)
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
os.close(slave)
print(json.dumps({"status": proc.returncode, "stdout": (out or b"").decode(), "stderr": (err or b"").decode(),
                  "terminal": seen.decode(errors="replace")}))
