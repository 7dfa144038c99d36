# Answers to the exercises of notebooks/01_deploy_and_contribute.ipynb: each section replaces the scaffold
# cell (tagged "answer") of the exercise named on its first line.

# %% 01.1
import math


def deposit_by_hand(cost_weight, seconds_since_last_update):
    """The deposit, in wei, after `seconds_since_last_update` seconds without an update."""
    divisor = math.isqrt(seconds_since_last_update) if seconds_since_last_update > 1 else 1
    return cost_weight * 3600 // divisor


deposit_rule = deposit_by_hand
print("by hand:", deposit_rule(incentive.cost_weight, chain.now - c.added_at), "| on chain:", trainer.next_deposit())

# %% 01.2
def my_take(initial_deposit, good_reporter, good_total, claimable):
    """The wei a reporter with `good_reporter` of the `good_total` good contributions takes."""
    share = initial_deposit * good_reporter // good_total
    return claimable if share == 0 or share > claimable else share


take_share = my_take
alice_share = my_take(contribution.deposit, good["alice"], good.sum(), contribution.deposit)
print("Alice will take", alice_share, "wei; Bob",
      my_take(contribution.deposit, good["bob"], good.sum(), contribution.deposit - alice_share), "wei")

# %% 01.3
def pick_rows(model, X, y):
    """Three row numbers of X whose flipped labels the model will agree with after Mallory's updates."""
    w = np.array(model.weights) / sk.encoding.SCALE
    b = model.intercept / sk.encoding.SCALE
    sureness = np.abs(X @ w + b) / ((X ** 2).sum(axis=1) + 1)
    right = np.flatnonzero(model.predict_many(X) == y)
    chosen = []
    for i in right[np.argsort(sureness[right])]:  # least sure first: closest to the boundary
        trial = model.copy()
        for j in [*chosen, i]:
            trial.update(X[j], 1 - y[j])
        if all(trial.predict(X[j]) == 1 - y[j] for j in [*chosen, i]):
            chosen.append(int(i))
        if len(chosen) == 3:
            return chosen
    raise ValueError("no three rows flip together")


choose_rows = pick_rows
