"""The Textual UI (terminal, or a browser through `textual serve`)."""
