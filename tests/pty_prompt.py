"""Run a command with its controlling terminal on a pseudo-terminal and stdout on a pipe; type
$PTY_ANSWER when the prompt appears; print JSON {status, stdout, terminal}.

Several prompts: $PTY_ANSWERS is a JSON list of answers, each typed after the next ':' the
program writes; one listed in $PTY_HIDDEN (a JSON list of indexes) is typed once the terminal's
echo is off (at most 3 s later, so a program that never turns it off shows the answer).
$PTY_STDIN=tty makes the terminal the program's stdin too (else stdin is /dev/null). "echo" in
the JSON says whether the terminal echoes again after the program ended."""
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


if "PTY_ANSWERS" in os.environ:
    answers = json.loads(os.environ["PTY_ANSWERS"])
else:
    answers = [os.environ.get("PTY_ANSWER", "")]
hidden = set(json.loads(os.environ.get("PTY_HIDDEN", "[]")))

proc = subprocess.Popen(
    sys.argv[1:],
    stdin=slave if os.environ.get("PTY_STDIN") == "tty" else subprocess.DEVNULL,
    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    preexec_fn=child_setup,
)
# The parent keeps the slave open, so reading the master never fails with EIO between the
# child's opens of /dev/tty.
seen = b""
answered = 0
# Where in `seen` the next prompt's ':' is looked for, and when that prompt was seen.
look_from = 0
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
    if answered < len(answers) and prompt_seen_at is None and b":" in seen[look_from:]:
        prompt_seen_at = time.time()
    if prompt_seen_at is not None:
        waiting_for_echo_off = answered in hidden and echo_is_on() and time.time() < prompt_seen_at + 3
        if not waiting_for_echo_off:
            os.write(master, (answers[answered] + "\n").encode())
            answered += 1
            prompt_seen_at = None
            look_from = len(seen) + len(answers[answered - 1])
    if proc.poll() is not None and not ready:
        break
out, err = proc.communicate(timeout=20)
# What the terminal still had to show.
while select.select([master], [], [], 0.05)[0]:
    try:
        seen += os.read(master, 1024)
    except OSError:
        break
echo = echo_is_on()
os.close(slave)
print(json.dumps({"status": proc.returncode, "stdout": out.decode(), "stderr": err.decode(),
                  "terminal": seen.decode(errors="replace"), "echo": echo}))
