"""Meetings and decisions: what a group decided, against an action, a measure or a
challenge thread, and what follows."""
