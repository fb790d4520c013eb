"""callscope: self-hostable call tracking."""

__version__ = "0.1.0"
