"""The knowledge base: data files with provenance, validated and compiled."""
