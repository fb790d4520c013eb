"""Replaying traffic: synthetic traces and driving the real allocation over them."""
