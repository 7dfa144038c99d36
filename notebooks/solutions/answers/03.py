# Answers to the exercises of notebooks/03_incentives.ipynb: each section replaces the scaffold cell (tagged
# "answer") of the exercise named on its first line.

# %% 03.1
import math

# Play the story once at a trial weight: what the honest contributors earn grows in proportion to
# cost_weight (it is a share of Mallory's deposits), while their gas stays the same.
trial_weight = 10**15
trial = sk.deploy(sk.Chain(), model, sk.incentives.DepositRefundTake(
    refund_wait=sk.days(1), owner_claim_wait=sk.days(9), any_address_claim_wait=sk.days(9), cost_weight=trial_weight),
    name="trial")
trial_ledger, _, _ = play(trial, script)
earned = trial_ledger.groupby("who")["wei"].sum()
gas_cost = trial.chain.gas_log.groupby("sender")["gas_used"].sum() * sk.units.gwei(10)
# below `lowest` gas eats the gain; above `highest` a contribution 2 hours after the last costs > 0.1 ether
lowest = max(trial_weight * float(gas_cost[n]) / float(earned[n]) for n in ("alice", "bob"))
highest = sk.ether("0.1") * math.isqrt(2 * 3600) // 3600
cost_weight = int((lowest + highest) / 2)
print(f"between {lowest:.3g} and {highest:.3g}: cost_weight = {cost_weight:.3g}")

# %% 03.2
# Alice looks once a week (Saturdays): the owner must not be allowed in before her next Saturday, which can
# be up to 7 days after the refund wait ends, minus the two days from Saturday to the owner's Monday: more
# than about 3 days. The owner looks once a week too (Mondays): his turn must last a whole week before Carol's
# starts at 14 days, so at most 14 - 7 = 7 days. Anything in between works; take the middle.
owner_claim_wait = sk.days(5)
