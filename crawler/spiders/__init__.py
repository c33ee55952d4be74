"""Spiders: one generic spider, specialised per registry entry."""
