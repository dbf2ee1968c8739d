"""The Textual face of hookdev: a view over the engine, nothing more (run with ``hookdev`` or ``hookdev ui``)."""
