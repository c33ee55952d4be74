"""newswatch: watch news sites, keep every version of every article, report what changed."""

__version__ = "0.1.0"
