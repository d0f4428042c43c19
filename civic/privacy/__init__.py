"""Personal data: the notice, consents, the person's rights, and the audit log of who saw
what (see the README's "Personal data").

The lowest domain above core: it imports no other domain. Domains that hold personal data
register a provider (civic.privacy.registry) and listen to its signals (civic.privacy.signals).
"""
