"""Shared helpers every domain may use: text, collation, time, phones, permissions, forms."""
