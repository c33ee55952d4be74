"""The extraction core's version: bump it whenever extract() can give different fields for the same page.

Every stored version records the extractor version that produced it. A re-checked page whose
stored version came from another extractor is compared with a fresh extraction of the
stored raw page, so an upgrade of newswatch never reads as an edit of the page.
"""

EXTRACTOR_VERSION = "2"
