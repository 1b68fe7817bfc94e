"""The coding pages and JSON APIs, one module per tool: ``wizard`` (and, as they come, the
history check, the note reader and the claim auditor). Each reads its input through a form or
a JSON body and gets every line and rule from the engine."""
