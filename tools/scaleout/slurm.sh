# Slurm: one job array a round, task i running the trial on line i of tune.ids
while :; do
    ffnn-tune --pending tune > tune.ids || exit
    [ -s tune.ids ] || break
    sbatch --wait --array=1-$(wc -l < tune.ids) --output=tune-%a.log \
        --wrap='ffnn-tune --run-trial $(sed -n ${SLURM_ARRAY_TASK_ID}p tune.ids) tune' || exit
done
