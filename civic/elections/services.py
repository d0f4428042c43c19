def home_countdown():
    return None
