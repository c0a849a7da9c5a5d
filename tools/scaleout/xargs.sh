# xargs: 2 trials at a time on this machine
while :; do
    ids=$(ffnn-tune --pending tune) || exit
    [ -n "$ids" ] || break
    echo "$ids" | xargs -P 2 -I{} ffnn-tune --run-trial {} tune || exit
done
