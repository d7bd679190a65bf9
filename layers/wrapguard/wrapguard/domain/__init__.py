"""Wrap-up rules: when the window is open, which participant, which code, how failures are classified."""
