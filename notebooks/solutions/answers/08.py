# Answers of notebook 08: each section replaces the scaffold cell of the exercise it names.

# %% 08.1
def choose_model(X_train, y_train):
    """A perceptron fitted on every training row it is given: linear, so it generalises like logistic regression
    on this data, and its update touches only the weights of one mistake (about 85k gas per addData)."""
    from sklearn.linear_model import Perceptron

    return sk.models.DensePerceptron.from_sklearn(Perceptron(random_state=0).fit(X_train, y_train))


# %% 08.2
def design(chain, X, y):
    """A perceptron that learns slowly (learning rate 0.01: one wrong label barely moves it), under Deposit,
    Refund and Take priced so that an honest contribution every 30 minutes costs ~25 units and a flood
    (a block after the last update) costs ~300: floods are refused, honest data is affordable, and bad
    deposits are taken after a one-day refund wait, well inside the run."""
    from sklearn.linear_model import Perceptron

    model = sk.models.DensePerceptron.from_sklearn(Perceptron(random_state=0).fit(X, y), learning_rate=0.01)
    incentive = sk.incentives.DepositRefundTake(refund_wait=sk.days(1), owner_claim_wait=sk.days(9),
                                                any_address_claim_wait=sk.days(9),
                                                cost_weight=round(0.25 * sim.UNIT))
    return sk.deploy(chain, model, incentive, name="diabetes progression")
