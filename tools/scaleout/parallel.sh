# GNU Parallel: 2 trials at a time on each machine listed in the file hosts
# (one sshlogin a line, ":" for this one), in the same directory on each
while :; do
    ids=$(ffnn-tune --pending tune) || exit
    [ -n "$ids" ] || break
    echo "$ids" | parallel -j 2 --sshloginfile hosts --workdir . \
        ffnn-tune --run-trial {} tune || exit
done
