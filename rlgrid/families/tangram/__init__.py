"""The tangram family (see :mod:`.family`)."""
