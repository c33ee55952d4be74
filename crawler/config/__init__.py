"""The site registry (TOML), read once into typed, frozen values, and where newswatch keeps its files.

`load_config(path)` is the only reader of the file: it checks every table and key and
raises ConfigError naming the file, the entry, the key and the fix. Everything else
reads the typed Config (config.sites, config.monitor, config.crawl, config.queue), never raw TOML.
"""

from .load import load_config
from .model import Config, ConfigError, CrawlConfig, EmailConfig, MonitorConfig, QueueConfig, Site
from .paths import BUNDLED_CONFIG, default_config_path, default_db_path, user_config_path

__all__ = [
    "BUNDLED_CONFIG",
    "Config",
    "ConfigError",
    "CrawlConfig",
    "EmailConfig",
    "MonitorConfig",
    "QueueConfig",
    "Site",
    "default_config_path",
    "default_db_path",
    "load_config",
    "user_config_path",
]
