"""rlgrid doctor: why an agent does not learn, and what will fix it."""
