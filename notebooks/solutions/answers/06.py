# Answers of notebook 06: each section replaces the scaffold cell of the exercise it names.

# %% 06.1
def add_cheaply(panel, budget, deadline):
    """Mallory adds three samples, each as soon as the deposit due has fallen to a third of the budget."""
    panel.account.value = panel.chain.mallory
    panel.wait.value = 600  # wait in steps of 10 minutes
    for i in range(3):
        while panel.trainer.next_deposit() > budget // 3:
            panel.travel_button.click()
        panel.sample.value = i
        panel.label.value = 1 - panel.y[i]  # a wrong label: she is Mallory after all
        panel.add_button.click()

# %% 06.2
def take_from_mallory(panel):
    """Alice earns good data, Mallory adds a wrong label the model stays sure about, and after a day Alice
    takes her share of it."""
    chain, model = panel.chain, panel.trainer.model
    agrees = [i for i in range(len(panel.y)) if model.predict(panel.rows[i]) == panel.y[i]]

    def still_disagrees(i):  # after Mallory's own update with the flipped label
        m = model.copy()
        m.update(panel.rows[i], 1 - panel.y[i])
        return m.predict(panel.rows[i]) == panel.y[i]

    alice_row = agrees[0]
    mallory_row = next(i for i in agrees[1:] if still_disagrees(i))
    panel.account.value = chain.alice
    panel.sample.value = alice_row
    panel.add_button.click()
    alice_contribution = panel.contribution.value
    panel.account.value = chain.mallory
    panel.sample.value = mallory_row
    panel.label.value = 1 - panel.y[mallory_row]
    panel.add_button.click()
    mallory_contribution = panel.contribution.value
    panel.wait.value = sk.days(1)
    panel.travel_button.click()
    panel.account.value = chain.alice
    panel.contribution.value = alice_contribution
    panel.refund_button.click()  # Alice's good data: now she may take
    panel.contribution.value = mallory_contribution
    panel.report_button.click()
