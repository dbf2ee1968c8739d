"""Reusable widgets: the windowed capture list, the detail pane, the status bar, the log panel."""
