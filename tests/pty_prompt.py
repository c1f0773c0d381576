"""Run a command with its controlling terminal on a pseudo-terminal and stdout on a pipe; type
$PTY_ANSWER when the prompt appears; print JSON {status, stdout, stderr, terminal, echo}.

$PTY_ANSWERS (a JSON list) types each answer in turn, one for each prompt (text ending in ':');
one whose index is in $PTY_HIDDEN (a JSON list) is typed once the terminal's echo is off (at
most 3 s later, so a program that never turns it off shows the answer).
$PTY_STDOUT=1 puts stdout and stderr on the terminal too, as when a command is typed at a
prompt; then everything it printed is in "terminal". $PTY_STDIN=tty makes the terminal its
stdin too (else stdin is /dev/null). "echo" says whether the terminal echoes again after the
program ended."""
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time

master, slave = pty.openpty()
slave_name = os.ttyname(slave)


def child_setup():
    os.setsid()
    # Opening the pty as the first terminal of a new session makes it the controlling one.
    fd = os.open(slave_name, os.O_RDWR)
    os.close(fd)


def echo_is_on():
    return bool(termios.tcgetattr(slave)[3] & termios.ECHO)


on_terminal = os.environ.get("PTY_STDOUT") == "1"
answers = (json.loads(os.environ["PTY_ANSWERS"]) if "PTY_ANSWERS" in os.environ
           else [os.environ.get("PTY_ANSWER", "")])
hidden = set(json.loads(os.environ.get("PTY_HIDDEN", "[]")))
proc = subprocess.Popen(
    sys.argv[1:],
    stdin=slave if os.environ.get("PTY_STDIN") == "tty" else subprocess.DEVNULL,
    stdout=slave if on_terminal else subprocess.PIPE,
    stderr=slave if on_terminal else subprocess.PIPE,
    preexec_fn=child_setup,
)
# The parent keeps the slave open, so reading the master never fails with EIO between the
# child's opens of /dev/tty.
seen = b""
answered = 0
# Where the next prompt's ':' is looked for (past the echo of the last answer), and when that
# prompt was seen.
since = 0
prompt_seen_at = None
deadline = time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.05)
    if ready:
        try:
            data = os.read(master, 1024)
        except OSError:
            break
        seen += data
    if answered < len(answers) and prompt_seen_at is None and b":" in seen[since:]:
        prompt_seen_at = time.time()
    if prompt_seen_at is not None:
        if not (answered in hidden and echo_is_on() and time.time() < prompt_seen_at + 3):
            os.write(master, (answers[answered] + "\n").encode())
            since = len(seen) + len(answers[answered])
            answered += 1
            prompt_seen_at = None
    if proc.poll() is not None and not ready:
        break
try:
    out, err = proc.communicate(timeout=20)
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
# What the terminal still had to show.
while select.select([master], [], [], 0.05)[0]:
    try:
        seen += os.read(master, 1024)
    except OSError:
        break
echo = echo_is_on()
os.close(slave)
print(json.dumps({"status": proc.returncode, "stdout": (out or b"").decode(), "stderr": (err or b"").decode(),
                  "terminal": seen.decode(errors="replace"), "echo": echo}))
