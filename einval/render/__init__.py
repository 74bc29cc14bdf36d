"""Ways to show a result to a person: traces as text, lanes, ITF JSON
and DOT, the ground model as text, reports as Markdown and HTML.

Every function here is a pure function of the model and the results it
is given, so the same input prints the same bytes in any process.
"""
