def home_news():
    return {}
