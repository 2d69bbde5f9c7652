"""Zichtlijn: live service-blueprint workshops."""
