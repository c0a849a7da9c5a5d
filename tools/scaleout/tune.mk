# make: each pending trial a target, a round at a time until none is pending
# (make -j 2 -f tune.mk; DIR=tune unless given)
DIR = tune
search: ; @while :; do \
    ids=$$(ffnn-tune --pending $(DIR)) || exit; \
    [ -n "$$ids" ] || break; \
    $(MAKE) -s -f $(firstword $(MAKEFILE_LIST)) round IDS="$$(echo $$ids)" || exit; \
done
round: $(IDS:%=trial-%)
trial-%: FORCE ; ffnn-tune --run-trial $* $(DIR)
FORCE:
.PHONY: search round FORCE
