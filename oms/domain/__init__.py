"""Shared value objects, entities and errors. Standard library and numpy only."""
