"""The channel report at scale: 1 million and 10 million calls on PostgreSQL."""
