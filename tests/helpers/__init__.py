"""Builders and stand-ins shared by the test folders."""
