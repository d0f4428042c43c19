def upcoming_events(limit=5):
    return []
