"""Tabular Q-learning: its hyperparameters (:mod:`.params`), the learning loop over batched lanes
(:mod:`.learner`), the table's file (:mod:`.storage`) and the agent (:mod:`.agent`)."""
