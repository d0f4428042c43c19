"""The framework's ceiling on this machine: a bare Flask route served exactly like the portal."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
