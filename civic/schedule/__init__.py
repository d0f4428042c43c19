"""The leaders' schedules: the weekly work schedule and the citizen reception schedule."""
