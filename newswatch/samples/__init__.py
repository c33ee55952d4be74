"""Local replicas of the watched sites, served on 127.0.0.1 for the demo and the tests."""

from .server import SampleSites

__all__ = ["SampleSites"]
