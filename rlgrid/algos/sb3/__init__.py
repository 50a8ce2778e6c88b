"""The stable-baselines3 backends (a2c, dqn, ppo, and sb3-contrib's maskable-ppo): hyperparameters
checked without torch (:mod:`.params`), the agent (:mod:`.agent`), its files (:mod:`.storage`) and
the training callback (:mod:`.callback`)."""
