"""Readers for structured sources of minutes, one module per source format."""
