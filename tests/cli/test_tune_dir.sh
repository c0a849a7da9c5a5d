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

# ---- searches too large to plan (item 13) -------------------------------------
# 1000^5 = 10^15 grid points.  With max_trials 0 (all) the grid is refused at
# once, naming the file, and no directory is made; with max_trials 5 the
# first 5 points are searched (it failed with "the grid is too large").
space='"width": {"min": 1, "max": 1000, "step": 1}, "batch_size": {"min": 1, "max": 1000, "step": 1},
 "droprate": {"min": 0, "max": 0.999, "step": 0.001}, "learning_rate": {"min": 0.001, "max": 1.0, "step": 0.001},
 "l2": {"min": 0, "max": 0.999, "step": 0.001}'
printf '{"hypergrid": {%s}, "tuner": {"algorithm": "grid", "max_epochs": 1, "max_trials": 0, "seed": 1}}\n' "$space" > huge.json
printf '{"hypergrid": {%s}, "tuner": {"algorithm": "grid", "max_epochs": 1, "max_trials": 5, "seed": 1}}\n' "$space" > huge5.json
expect_fail "a 10^15-point grid with max_trials 0: refused, naming the file" 78 \
    "ffnn-tune: huge.json: grid search over more than 1000000000 points; set tuner.max_trials to search the first ones" \
    "$BIN/ffnn-tune" -g huge.json -d huge -j 1 train.csv
check "... before the directory is made" [ ! -e huge ]
run "$BIN/ffnn-tune" -g huge5.json -d huge -j 1 train.csv
check "the corrected rerun, max_trials 5: runs" sh -c "[ $st = 0 ] && [ ! -s err ]"
check "... the first 5 grid points" sh -c "grep -q '^Search: grid, 5 trials (5 completed, 0 failed)' out"

# hyperband_iterations 1e9: 5e9 trials in all.  The count overflowed an int
# (progress said 705032704) and sized the trial queues up front (20 GB;
# "out of memory" under the 2 GB limit here); it is stopped after a trial.
printf '{"hypergrid": {"width": {"min": 4, "max": 64}, "droprate": {"min": 0, "max": 0.5}}, "tuner": {"max_epochs": 2, "factor": 2, "hyperband_iterations": 1000000000, "seed": 1}}\n' > long.json
limit=
[ -z "${FFNN_ASAN:-}${FFNN_VALGRIND:-}" ] && limit="ulimit -v 2000000;"
sh -c "$limit exec \"\$0\" -v -g long.json -d long -j 1 train.csv" "$BIN/ffnn-tune" > long.out 2> long.err &
pid=$!
n=0
while ! grep -q '^trial ' long.err 2>/dev/null; do
    n=$((n + 1))
    if [ $n -gt 1200 ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.05
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
st=$?
check "hyperband_iterations 1e9: the search starts${limit:+ in 2 GB} and stops on SIGTERM (143)" [ "$st" = 143 ]
check "hyperband_iterations 1e9: progress counts 5000000000 trials" \
    sh -c "grep -q '^trial 1/5000000000: ' long.err"

# ---- a finished search on storage that cannot be written (item 14) ------------
# Querying it (-o, --best-config, the summary) only reads: the lock is taken
# shared on the lock file opened for reading, and nothing is saved.  It
# failed with 73 on DIR/lock.
run "$BIN/ffnn-tune" -g g.json -d done -j 1 -o ref.ffnn --best-config ref.json train.csv
check "a finished search to query" [ "$st" = 0 ]
cp out ref.out
"$BIN/ffnn-tune" -g g.json -d unfinished --init train.csv
if ! unshare -m true 2>/dev/null; then
    skip "read-only file system: cannot mount (unshare -m)"
else
    # ro_run DIR CMD...: CMD with DIR mounted read-only (EROFS, even for root).
    ro_run() { d=$1; shift; unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"' "$d" "$@"; }
    ro_run done "$BIN/ffnn-tune" -d done -j 1 -o q.ffnn --best-config q.json > out 2> err
    st=$?
    check "read-only file system: a finished search is queried (0, no message)" sh -c "[ $st = 0 ] && [ ! -s err ]"
    check "read-only file system: the same summary, best config and model as the search gave" \
        sh -c 'cmp -s out ref.out && cmp -s q.json ref.json && cmp -s q.ffnn ref.ffnn'
    ro_run unfinished "$BIN/ffnn-tune" -d unfinished -j 1 > out 2> err
    st=$?
    check "read-only file system: an unfinished search is refused (73), saying why" sh -c "[ $st = 73 ] &&
        [ \"\$(cat err)\" = 'ffnn-tune: unfinished: the search is not finished, and the directory cannot be written: Read-only file system' ]"
fi
# Another user's directory: no write permission (EACCES).
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv > /dev/null; then
        as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
    else
        as_other=
    fi
else
    as_other=env
fi
if [ -z "$as_other" ]; then
    skip "unwritable directory: root without setpriv"
else
    chmod 755 .
    mkdir qout && chmod 777 qout
    chmod -R a-w done
    $as_other "$BIN/ffnn-tune" -d done -j 1 -o qout/q.ffnn > qout/out 2> qout/err
    st=$?
    chmod -R u+w done
    check "unwritable directory: a finished search is queried (0, no message)" sh -c "[ $st = 0 ] && [ ! -s qout/err ]"
    check "unwritable directory: the same summary and model" sh -c 'cmp -s qout/out ref.out && cmp -s qout/q.ffnn ref.ffnn'
fi
