"""Site-wide models (visit counters live here; see civic.portal.services)."""
