"""worker/*.py run inside the target interpreter by file path (see main.py); not imported."""
