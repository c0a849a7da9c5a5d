# Slurm (tools/scaleout/slurm.sh, as ffnn-tune(1) and the README show it): a
# one-node cluster started here -- munged, slurmctld and slurmd on 127.0.0.1,
# with their key, config, state, spool, logs and socket in this test's
# directory and ports that were free -- runs the search as one job array a
# round (sbatch --wait --array), and the result equals ffnn-tune -j 1 byte for
# byte; a round whose runs fail ends the loop with their status.  Slow (sbatch
# --wait polls every few seconds): run by make check-scaleout (FFNN_SLURM=1)
# and skipped otherwise.  Where the cluster cannot start, one skip line says
# why.  Every daemon started here is stopped on exit, each wait is bounded.
. "$ROOT/tests/cli/lib.sh"
PATH="$BIN:$PATH:/usr/sbin:/sbin"
export PATH
if [ -z "${FFNN_SLURM:-}" ]; then
    skip "Slurm: a cluster test of about 20 s, run by make check-scaleout"
    exit 0
fi
for p in munged mungekey slurmctld slurmd sbatch scontrol sinfo squeue scancel; do
    if ! command -v "$p" > /dev/null 2>&1; then
        skip "Slurm: $p is not installed (make deps installs slurm-wlm and munge)"
        exit 0
    fi
done
INIT='ffnn-tune -g grid.json -d tune --init train.csv'
BEST='ffnn-tune -d tune -o best.ffnn --best-config best.json'
W=$PWD/cluster
mkdir -p "$W/state" "$W/spool"
chmod 755 . "$W"   # munged wants its socket's directories open to all

# ---- the cluster -----------------------------------------------------------
pids=""
# ours [COMM]: this cluster's processes (slurmctld, slurmd and their helpers,
# step daemons and job shells: a name slurm*, and this SLURM_CONF in their
# environment or a file of $W open), or those named COMM; by id.
ours() {
    for d in /proc/[0-9]*; do
        c=
        { read -r c < "$d/comm"; } 2> /dev/null
        case "$c" in ${1:-slurm*}) ;; *) continue ;; esac
        if grep -zqsxF "SLURM_CONF=$W/slurm.conf" "$d/environ" ||
           ls -l "$d/fd" 2> /dev/null | grep -qF " -> $W/"; then
            echo "${d#/proc/}"
        fi
    done
}
stop_cluster() {
    if [ -n "$pids" ]; then
        # Jobs and their step daemons end while slurmd runs (a step daemon
        # left without it blocks SIGTERM); 15 s at most in all.
        end=$(($(date +%s) + 15))
        timeout 5 scancel --quiet --user="$(id -un)" > /dev/null 2>&1
        while [ "$(date +%s)" -lt $end ] &&
              [ -n "$(timeout 2 squeue -h 2>/dev/null)$(ours slurmstepd)" ]; do
            sleep 0.2
        done
    fi
    all="$pids $(ours)"
    for pid in $all; do kill "$pid" 2> /dev/null; done
    end=$(($(date +%s) + 10))
    for pid in $all; do
        while [ "$(date +%s)" -lt $end ] && kill -0 "$pid" 2> /dev/null; do sleep 0.2; done
        kill -9 "$pid" 2> /dev/null
    done
    pids=""
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cannot REASON: the skip line, then the end of the test.
cannot() {
    skip "Slurm: the cluster did not start here: $1"
    exit 0
}
# last_error LOG: the log's last error line (or its last line).
last_error() {
    line=$(grep -i 'error\|fatal' "$1" 2>/dev/null | tail -1)
    [ -n "$line" ] || line=$(tail -1 "$1" 2>/dev/null)
    echo "${line:-no log} (${1##*/})"
}
# wait_for SECONDS PID COMMAND...: until COMMAND succeeds, at most SECONDS
# and while the daemon PID lives.
wait_for() {
    n=$(($1 * 5)) pid=$2; shift 2
    while ! "$@" > /dev/null 2>&1; do
        n=$((n - 1))
        [ $n -gt 0 ] && kill -0 "$pid" 2> /dev/null || return 1
        sleep 0.2
    done
}

mungekey -c -k "$W/munge.key" > "$W/mungekey.log" 2>&1 || cannot "mungekey: $(last_error "$W/mungekey.log")"
munged -F --socket="$W/munge.sock" --key-file="$W/munge.key" --pid-file="$W/munged.pid" \
    --log-file="$W/munged.log" --seed-file="$W/munged.seed" > "$W/munged.out" 2>&1 &
pids="$pids $!"
wait_for 10 $! test -S "$W/munge.sock" || cannot "munged: $(last_error "$W/munged.out")"

ports=$("$PYTHON" -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])' 2>/dev/null) ||
    ports="$((20000 + $$ % 20000)) $((40001 + $$ % 20000))"
set -- $ports
host=$(hostname -s 2>/dev/null || uname -n)
user=$(id -un)
cat > "$W/slurm.conf" <<EOF
ClusterName=ffnntest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$1
SlurmdPort=$2
AuthType=auth/munge
AuthInfo=socket=$W/munge.sock
CredType=cred/munge
SlurmUser=$user
SlurmdUser=$user
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
PlugStackConfig=$W/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=4
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=16 State=UNKNOWN
PartitionName=ffnn Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
: > "$W/plugstack.conf"
# MinJobAge=4 keeps sbatch --wait polling every 2 s; 16 CPUs whatever the
# machine has (config_overrides) start a round's tasks at once.
SLURM_CONF=$W/slurm.conf
export SLURM_CONF
slurmctld -D > "$W/slurmctld.out" 2>&1 &
pids="$pids $!"
up() { timeout 5 scontrol ping | grep -q ' is UP'; }
wait_for 20 $! up || cannot "slurmctld: $(last_error "$W/slurmctld.log")"
slurmd -D > "$W/slurmd.out" 2>&1 &
pids="$pids $!"
idle() { [ "$(timeout 5 sinfo -h -o %T)" = idle ]; }
wait_for 30 $! idle || cannot "slurmd: $(last_error "$W/slurmd.log")"
ok "a one-node Slurm cluster runs here (slurmctld port $1, slurmd port $2)"

# ---- the search, one job array a round --------------------------------------
"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
# tests/data/tune/small.json with one Hyperband iteration: 23 trials in 4
# rounds, promotions included.
sed 's/"hyperband_iterations": 2/"hyperband_iterations": 1/' "$ROOT/tests/data/tune/small.json" > grid.json
check "grid.json: one Hyperband iteration" grep -q '"hyperband_iterations": 1' grid.json
run ffnn-tune -g grid.json -d ref -j 1 -o ref.ffnn --best-config ref.json train.csv
check "reference search (-j 1)" [ "$st" = 0 ]
mkdir run && cp train.csv grid.json run/
# (timeout --foreground: Ctrl-C reaches sbatch too.)
(cd run && sh -c "$INIT" && timeout --foreground -k 5 600 sh "$ROOT/tools/scaleout/slurm.sh" && sh -c "$BEST") \
    > run.out 2> run.err
st=$?
check "Slurm recipe succeeds: status $st, stderr $(head -c 300 run.err)" [ "$st" = 0 -a ! -s run.err ]
check "one job array a round (4 rounds)" [ "$(grep -c '^Submitted batch job [0-9]*$' run.out)" = 4 ]
check "Slurm: same trial files as -j 1" diff -r -q -x lock ref run/tune
check "Slurm: same model as -j 1" cmp -s ref.ffnn run/best.ffnn
check "Slurm: same best config as -j 1" cmp -s ref.json run/best.json

# Array indices stop below MaxArraySize (1001 by default), which trial ids of
# a long search pass: why a task runs the trial on its line of tune.ids.
run timeout 30 sbatch --array=1500 --output=/dev/null --wrap=true
check "an array index of 1500 is refused (MaxArraySize)" \
    grep -qxF "sbatch: error: Batch job submission failed: Invalid job array specification" err

# A round whose runs fail: the loop ends with their status (sbatch --wait
# returns the highest), the log of each task holds its message.
mkdir fake fail && cp train.csv grid.json fail/
cat > fake/ffnn-tune <<EOF
#!/bin/sh
case "\$1" in --run-trial) echo "ffnn-tune: injected failure" >&2; exit 74 ;; esac
exec "$BIN/ffnn-tune" "\$@"
EOF
chmod 755 fake/ffnn-tune
(cd fail && sh -c "$INIT" && PATH=$PWD/../fake:$PATH timeout --foreground -k 5 300 sh "$ROOT/tools/scaleout/slurm.sh") \
    > fail.out 2> fail.err
st=$?
check "failed runs end the loop with their status 74 (got $st)" [ "$st" = 74 ]
check "one round was submitted" [ "$(grep -c '^Submitted batch job' fail.out)" = 1 ]
check "the task's log has the run's message" grep -qxF "ffnn-tune: injected failure" fail/tune-1.log
