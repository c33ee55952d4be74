"""The extraction core: page bytes in, Article out. Pure: no network, database or clock."""

from common.article import Attachment

from .article import Article
from .core import extract, extract_keyed, hints_for_page
from .hints import PageHints, SiteProfile, applied_hints, hints_key
from .profile import ProfileBuilder, SitePage, build_profile, page_title
from .version import EXTRACTOR_VERSION

__all__ = [
    "EXTRACTOR_VERSION",
    "Article",
    "Attachment",
    "PageHints",
    "ProfileBuilder",
    "SitePage",
    "SiteProfile",
    "applied_hints",
    "build_profile",
    "extract",
    "extract_keyed",
    "hints_for_page",
    "hints_key",
    "page_title",
]
