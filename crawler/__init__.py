"""newswatch's Scrapy project: spiders, the extraction core and the store pipeline."""
