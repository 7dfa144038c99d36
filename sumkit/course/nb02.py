"""Exercises of notebook 02 (the model zoo): pick a model from the gas/accuracy table, score in log space."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import Partial, Wrong, exercise, require_function, variant_seeds

# -- 02.1 ------------------------------------------------------------------------------------------------------


def _lifetime_gas(table, n_updates: int):
    return table["deploy gas"] + n_updates * table["update gas"]


@exercise("02.1", title="A model for a budget", points=2, hints=[
    "First keep only the models whose 'chain accuracy' reaches min_accuracy.",
    "Among those, the cost over the deployment's life is paid once for the deployment and once per update.",
    "Return the name (the table's index) of the cheapest one, and None when no model reaches the accuracy.",
    "Which model is cheapest depends on how much it will be used: a deployment is paid once, an update every "
    "time. Few updates favour a cheap deployment, many favour a cheap update.",
])
def check_pick_model(pick_model, table):
    pick = require_function(pick_model, "pick_model", "def cheapest(table, n_updates, min_accuracy): ...")
    accuracies = sorted(table["chain accuracy"].unique())
    cases = [(table, 1, 0.0), (table, 1_000, 0.0), (table, 10, accuracies[-1]), (table, 100, 1.01)]
    if len(accuracies) > 1:
        cases.append((table, 1_000, accuracies[-2]))
    picks = [_check_pick(pick, tab, n_updates, min_accuracy) for tab, n_updates, min_accuracy in cases]
    for seed in variant_seeds("02.1", (0, 1, 2), visible=0, below=2**32):  # tables the notebook never showed
        other = hidden_table(table, seed)
        picks += [_check_pick(pick, other, n, a) for n in (1, 300, 10**5)
                  for a in (0.0, float(other["chain accuracy"].median()))]
    return Partial(2, f"the cheapest model that reaches the bar in all {len(picks)} cases: " + "; ".join(picks[:5])
                      + ("; ..." if len(picks) > 5 else ""))


def hidden_table(table, seed: int):
    """02.1's hidden table ``seed``: the notebook's models in another order, each gas figure scaled by 0.5 to 2
    and each accuracy drawn in [0.8, 1)."""
    rng = np.random.default_rng(seed)
    other = table.iloc[rng.permutation(len(table))].copy()
    other["deploy gas"] = (other["deploy gas"] * rng.uniform(0.5, 2, len(other))).astype(int)
    other["update gas"] = (other["update gas"] * rng.uniform(0.5, 2, len(other))).astype(int)
    other["chain accuracy"] = rng.uniform(0.8, 1.0, len(other)).round(3)
    return other


def _check_pick(pick, table, n_updates: int, min_accuracy: float) -> str:
    """:class:`Wrong` unless ``pick`` chose the cheapest model over its life; else what was compared."""
    case = f"for {n_updates:,} updates and min_accuracy={min_accuracy}"
    chosen = pick(table.copy(), n_updates, min_accuracy)
    good = table[table["chain accuracy"] >= min_accuracy]
    if good.empty:
        if chosen is not None:
            raise Wrong(f"{case} you picked {chosen!r}, but no model reaches that accuracy: return None then")
        return f"{case}: None (no model reaches it)"
    if chosen is None:
        raise Wrong(f"{case} you returned None, but {len(good)} models reach that accuracy")
    if not isinstance(chosen, str) or chosen not in table.index:
        raise Wrong(f"{case} pick_model returned {chosen!r}; return a model's name, one of table.index "
                    f"({', '.join(table.index)})")
    if table.loc[chosen, "chain accuracy"] < min_accuracy:
        raise Wrong(f"{case} you picked {chosen}, whose chain accuracy {table.loc[chosen, 'chain accuracy']:.3f} "
                    "is below the bar")
    cost = _lifetime_gas(good, n_updates)
    if cost[chosen] > cost.min():
        why = ""
        if chosen == good["update gas"].idxmin():
            why = ": it has the cheapest update, but with so few updates its deployment costs more than it saves"
        elif chosen == good["deploy gas"].idxmin():
            why = ": it is the cheapest to deploy, but with so many updates the update gas adds up to more"
        elif chosen == good["chain accuracy"].idxmax():
            why = ": it is the most accurate, but a cheaper model also reaches the bar"
        raise Wrong(f"{case} {chosen} costs {cost[chosen]:,} gas over its life, and another model that reaches the "
                    f"accuracy costs {cost.min():,}{why}")
    return (f"{case}: {chosen}, {cost[chosen]:,} gas over its life (accuracy "
            f"{table.loc[chosen, 'chain accuracy']:.3f}; next cheapest "
            + (f"{cost.drop(chosen).min():,})" if len(cost) > 1 else "none)"))


# -- 02.2 ------------------------------------------------------------------------------------------------------

@exercise("02.2", title="Scores in log space", points=2, hints=[
    "nb.class_log_prior_ holds log P(c), one per class; nb.feature_log_prob_ holds log P(j | c), one row per class.",
    "A document is the list of its word indices: nb.feature_log_prob_[:, doc] picks their columns for every class.",
    "Add the logarithms; never multiply the probabilities (np.exp then np.prod vanishes to 0, and log(0) is -inf).",
    "log(a · b) = log a + log b: the largest sum of logarithms wins exactly where the largest product would.",
])
def check_log_scores(score_classes, nb, docs):
    score = require_function(score_classes, "score_classes", "def my_log_scores(nb, doc): ...")
    compared = [_compare_scores(score, nb, docs, "the notebook's documents")]
    for seed in variant_seeds("02.2", (11,), visible=0):  # another vocabulary, smoothing and documents
        hidden, docs_h, what = hidden_corpus(seed)
        compared.append(_compare_scores(score, hidden, docs_h, what))
    n_docs, largest = sum(n for n, _, _ in compared), max(d for _, d, _ in compared)
    return Partial(2, f"your scores equal Naive Bayes' joint log scores on {n_docs} documents (largest difference "
                      f"{largest:.2g}); for example {compared[0][2]}")


def hidden_corpus(seed: int) -> tuple[Any, list[list[int]], str]:
    """02.2's hidden case ``seed``: a ``MultinomialNB`` fitted on documents of 2 to 4 topics over a vocabulary of
    500 to 1,500 words (smoothing 0.1 to 1), and 15 of its documents it was not fitted on, each of several
    hundred distinct words (a product of that many probabilities underflows to 0); and what they are."""
    from sklearn.naive_bayes import MultinomialNB

    rng = np.random.default_rng(seed)
    n_words, n_classes = int(rng.integers(500, 1_501)), int(rng.integers(2, 5))
    size, alpha = int(rng.integers(2_000, 4_001)), round(float(rng.uniform(0.1, 1.0)), 2)
    topics = [rng.dirichlet(np.ones(n_words) * 0.5) for _ in range(n_classes)]
    labels = np.array([k % n_classes for k in range(60)])
    docs = [sorted(set(rng.choice(n_words, size=size, p=topics[t]).tolist())) for t in labels]
    matrix = np.zeros((len(docs), n_words))
    for i, d in enumerate(docs):
        matrix[i, d] = 1
    nb = MultinomialNB(alpha=alpha).fit(matrix[:45], labels[:45])
    shortest = min(len(d) for d in docs[45:])
    return nb, docs[45:], (f"hidden documents ({n_classes} classes, {n_words:,} words, smoothing {alpha}, at least "
                           f"{shortest:,} words each)")


def _compare_scores(score, nb, docs: list[Any], what: str) -> tuple[int, float, str]:
    """:class:`Wrong` unless ``score`` gives each document's log scores; else (documents, largest difference,
    one example)."""
    n_classes, n_words = nb.feature_log_prob_.shape
    largest, example = 0.0, ""
    for doc in docs:
        row = np.zeros((1, n_words))
        row[0, list(doc)] = 1
        expected = nb.predict_joint_log_proba(row)[0]
        yours = score(nb, list(doc))
        if yours is None:
            raise Wrong("score_classes returned None: did the function forget to `return` the scores?")
        yours = np.asarray(yours, dtype=float).ravel()
        if yours.shape != (n_classes,):
            raise Wrong(f"for a document of {len(doc)} words score_classes returned {yours.shape[0]} numbers; return "
                        f"one log score per class ({n_classes} here)")
        if not np.isfinite(yours).all():
            raise Wrong(f"for a document of {len(doc)} words your scores are {yours}: a log score of -inf is the log "
                        "of a product that underflowed to 0. Add logarithms instead of multiplying probabilities")
        if np.allclose(yours, expected, rtol=1e-9, atol=1e-6):
            largest = max(largest, float(np.max(np.abs(yours - expected))))
            example = example or (f"a document of {len(doc)} words: yours {np.round(yours, 3).tolist()}, "
                                  f"scikit-learn's {np.round(expected, 3).tolist()}")
            continue
        if np.allclose(yours + nb.class_log_prior_, expected, rtol=1e-9, atol=1e-6):
            raise Wrong(f"on {what} your scores miss the class prior log P(c) (nb.class_log_prior_)")
        if np.allclose(yours - nb.class_log_prior_, expected, rtol=1e-9, atol=1e-6):
            raise Wrong(f"on {what} your scores count the class prior log P(c) twice")
        decision = "and pick a different class" if np.argmax(yours) != np.argmax(expected) else "(same decision)"
        raise Wrong(f"on {what}, for a document of {len(doc)} words, your scores {np.round(yours, 3)} differ from "
                    f"Naive Bayes' log scores {decision}: sum log P(j | c) over the document's words, plus log P(c)")
    return len(docs), largest, example
