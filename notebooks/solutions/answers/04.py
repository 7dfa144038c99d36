# Answers of notebook 04: each section replaces the scaffold cell of the exercise it names.

# %% 04.1
def near_boundary(model, X, y, n):
    """The n rows Mallory sends, one after the other: each time, a row the model (as her earlier rows left it)
    still gets right and whose score is smallest next to how far one update moves it (|x|² + 1)."""
    m = model.copy()
    norms = (X ** 2).sum(axis=1) + 1
    rows = []
    for _ in range(n):
        w, b = np.array(m.weights) / sk.encoding.SCALE, m.intercept / sk.encoding.SCALE
        closeness = np.abs(X @ w + b) / norms
        right = [i for i in np.flatnonzero(m.predict_many(X) == y) if i not in rows]
        i = int(min(right, key=lambda i: closeness[i]))
        rows.append(i)
        m.update(X[i], 1 - y[i])  # her flipped label moves the model before she picks the next row
    return rows

# %% 04.2
from dataclasses import dataclass


@dataclass(eq=False, repr=False)
class MyAttacker(sim.LabelFlipper):
    """A patient label flipper: it looks at the price every 10 minutes and sends a wrong label only when the
    deposit has fallen below 30 units (the time since the last update is long)."""

    def next_wait(self, rng):
        return sk.minutes(10)

    def next_budget(self, rng):
        return 30 * sim.UNIT
