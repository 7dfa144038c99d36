"""Handles on deployed contracts: a trainer (:mod:`.trainer`: ``sk.deploy``, ``sk.Trainer``), attaching to one
deployed elsewhere (:mod:`.attach`: ``sk.Trainer.at``) and the prediction market's sponsor and contributors
(:mod:`.market`)."""
