# The tune directory (issue 17 items 1, 13, 14): a lock that holds when a
# search that failed to start deletes its lock file; searches too large to
# plan refused before anything is created; a finished directory queried on
# read-only storage.
. "$ROOT/tests/cli/lib.sh"

"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
cat > g.json <<'JSON'
{"hypergrid": {"width": {"values": [4, 8]}}, "tuner": {"algorithm": "grid", "max_epochs": 2, "seed": 1}}
JSON

# ---- the lock (item 1) --------------------------------------------------------
# The race of the issue, made deterministic with SIGSTOP instead of sleeps:
# A holds DIR/lock; B (ffnn-tune) opens DIR/lock and waits for it; B is
# stopped; A deletes the lock file and exits (what a search that fails to
# start does); C creates a new DIR/lock and locks it; B continues.  B now
# holds a lock on the deleted file only: it must see that and wait for C's
# lock (then give up: 73), not run a second search beside C's.
if [ ! -x "$PYTHON" ]; then
    skip "lock race: no $PYTHON"
else
    mkdir race
    "$PYTHON" - "$BIN/ffnn-tune" > race.out 2> race.err <<'PY'
import fcntl, os, signal, subprocess, sys, time
lock = "race/lock"
a = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(a, fcntl.LOCK_EX)
b = subprocess.Popen([sys.argv[1], "-g", "g.json", "-d", "race", "-j", "1", "train.csv"],
                     stdout=subprocess.DEVNULL, stderr=open("b.err", "w"))
def holds_lock(pid):
    try:
        return any(os.readlink("/proc/%d/fd/%s" % (pid, fd)).endswith("/race/lock")
                   for fd in os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return False
for _ in range(6000):                      # at most 60 s
    if holds_lock(b.pid) or b.poll() is not None:
        break
    time.sleep(0.01)
os.kill(b.pid, signal.SIGSTOP)
os.unlink(lock)                            # A: a failed start removes the lock file
os.close(a)
c = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(c, fcntl.LOCK_EX)              # C: a third search takes the new lock
os.kill(b.pid, signal.SIGCONT)
print(b.wait(timeout=300))
os.close(c)
PY
    check "B waited on the deleted lock file, then on C's lock, and gave up (73)" [ "$(cat race.out)" = 73 ]
    check "B says the directory is in use" \
        [ "$(cat b.err)" = "ffnn-tune: race: in use by another ffnn-tune process (it holds race/lock)" ]
    check "B wrote nothing beside C" sh -c '[ "$(ls race)" = lock ]'
    expect_ok "with the lock free, B's search runs" "$BIN/ffnn-tune" -g g.json -d race -j 1 train.csv
fi
