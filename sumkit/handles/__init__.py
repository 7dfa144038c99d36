"""Handles on deployed contracts: a trainer (:mod:`.trainer`: ``sk.deploy``, ``sk.Trainer``) and attaching to one
deployed elsewhere (:mod:`.attach`: ``sk.Trainer.at``). Each incentive mechanism's own handle (the prediction
market's ``trainer.market``) lives with its mechanism in :mod:`sumkit.incentives`."""
