"""Helpers shared by the ml capabilities: daily series shaping and synthetic cost series."""
