"""Benchmarks (not tests): each prints a table that the README quotes with its command."""
