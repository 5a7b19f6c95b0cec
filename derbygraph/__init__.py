"""derbygraph: a linked-data knowledge graph of NHS organisational history."""

__version__ = "0.1.0"
