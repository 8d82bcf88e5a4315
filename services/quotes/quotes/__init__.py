"""Quotes service: products, price lists and their rules, quotes and quote versions."""
