"""One repository per stored aggregate; each takes an open connection inside a unit of work."""
