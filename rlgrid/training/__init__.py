"""Training: start and resume runs (:mod:`.session`), the loop around an agent (:mod:`.loop`),
a run's saved states and agents (:mod:`.states`) and judging agents by their config
(:mod:`.assess`)."""

from rlgrid.training.loop import Outcome, Reporter
from rlgrid.training.session import default_name, resume, start
from rlgrid.training.states import latest_model, load_run_config, open_run, saved_states

__all__ = ["Outcome", "Reporter", "default_name", "latest_model", "load_run_config", "open_run",
           "resume", "saved_states", "start"]  # fmt: skip
