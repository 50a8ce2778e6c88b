"""The warehouse family: settings (:mod:`.settings`), envs and judging (:mod:`.family`),
evaluation episodes and the oracle (:mod:`.episodes`), its extra env checks (:mod:`.checks`) and
the map-planes features extractor (:mod:`.features`). The env itself lives in
:mod:`rlgrid.envs`."""
