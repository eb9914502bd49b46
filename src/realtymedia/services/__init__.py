"""Use cases shared by every front door: they take plain values, never HTTP schemas."""
